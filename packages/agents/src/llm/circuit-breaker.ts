import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { RateLimitedError, TransientError } from '../errors.js';

export interface BreakerOptions {
  /** Failures in a row that open the circuit. @defaultValue 5 */
  consecutiveFailures?: number;
  /** How long it stays open before one trial call is let through. @defaultValue 30000 */
  halfOpenAfterMs?: number;
}

/** Wait suggested to calls refused while the one trial call is running. */
const HALF_OPEN_RETRY_MS = 1000;

/**
 * A circuit breaker for one provider (in this process): after repeated transient or
 * rate-limit failures it opens, and calls fail fast with a RateLimitedError, so the task
 * waits (without using an attempt) instead of hammering a provider that is down.
 */
export class ProviderBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private readonly halfOpenAfterMs: number;
  private openedAt = 0;

  constructor(
    private readonly provider: string,
    options: BreakerOptions = {},
  ) {
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
    this.policy = circuitBreaker(
      // Bad input or an aborted task says nothing about the provider's health.
      handleWhen((error) => error instanceof TransientError || error instanceof RateLimitedError),
      {
        halfOpenAfter: this.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
      },
    );
    this.policy.onBreak(() => (this.openedAt = Date.now()));
  }

  private refusal(): RateLimitedError {
    const leftMs = this.openedAt + this.halfOpenAfterMs - Date.now();
    const waitMs = leftMs > 0 ? leftMs : HALF_OPEN_RETRY_MS;
    return new RateLimitedError(`circuit for LLM provider ${this.provider} is open`, waitMs);
  }

  /** Fails fast while the circuit is open (before any quota is reserved). */
  assertClosed(): void {
    if (this.policy.state === CircuitState.Open) throw this.refusal();
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(fn);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.refusal();
      throw error;
    }
  }
}
