import { randomUUID } from 'node:crypto';
import { loadLuaScript, type LuaScript, type RedisClient } from '@agentq/queue';
import { RateLimitedError } from '../errors.js';

export interface BreakerOptions {
  /** Failures in a row (counted over every worker) that open the circuit. @defaultValue 5 */
  consecutiveFailures?: number;
  /** How long it stays open before one trial call is let through. @defaultValue 30000 */
  halfOpenAfterMs?: number;
  /**
   * How long the trial call holds the half-open circuit before another worker may try:
   * a worker that dies mid-probe must not keep the circuit shut. @defaultValue 120000
   */
  probeLeaseMs?: number;
}

/** Wait suggested to calls refused while the one trial call is running. */
const HALF_OPEN_RETRY_MS = 1000;

/** How a circuit lets a call through. */
export type Admission = 'closed' | 'probe';

/** The state of a provider's circuit as every worker sees it. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** The breaker's scripts (`lua/breaker-*.lua`), on one hash per provider. */
const ADMIT = loadLuaScript<[number, number]>('breaker-admit');
const SUCCEED = loadLuaScript<string>('breaker-succeed');
const FAIL = loadLuaScript<string>('breaker-fail');
const ABANDON = loadLuaScript<string>('breaker-abandon');
const STATE = loadLuaScript<CircuitState>('breaker-state');

/** One admitted call: report how it went exactly once. */
export interface CircuitPass {
  readonly admission: Admission;
  /** The provider answered: a trial call closes the circuit. */
  succeeded(): Promise<void>;
  /** The provider failed; `trip` opens the circuit at once (a misconfiguration). */
  failed(options?: { trip?: boolean }): Promise<void>;
  /** The call never reached the provider (held by a limit, aborted): it says nothing. */
  abandoned(): Promise<void>;
}

/**
 * A circuit breaker for one provider, shared by every worker through Redis: after repeated
 * failures it opens, and calls fail fast with a RateLimitedError, so tasks wait (without
 * using an attempt) instead of hammering a provider that is down. Once the open time has
 * passed, exactly one call over all workers goes through as the trial: its success closes
 * the circuit, its failure opens it again.
 */
export class ProviderBreaker {
  private readonly key: string;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly probeLeaseMs: number;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly provider: string,
    options: BreakerOptions = {},
    /** Told of every change of state this process causes (metrics, logs). */
    private readonly onChange: (state: CircuitState) => void = () => undefined,
  ) {
    this.key = `${prefix}:llm:breaker:${provider}`;
    this.threshold = options.consecutiveFailures ?? 5;
    this.openMs = options.halfOpenAfterMs ?? 30_000;
    this.probeLeaseMs = options.probeLeaseMs ?? 120_000;
  }

  /** Lets a call through, or throws RateLimitedError with the wait while the circuit is open. */
  async admit(): Promise<CircuitPass> {
    const token = randomUUID();
    const [waitMs, admission] = await ADMIT.run(
      this.redis,
      [this.key],
      [token, this.probeLeaseMs, HALF_OPEN_RETRY_MS],
    );
    if (admission === 0) {
      throw new RateLimitedError(
        `circuit for LLM provider ${this.provider} is open`,
        Math.max(1, waitMs),
        { reason: 'circuit-open' },
      );
    }
    if (admission === 2) this.onChange('half-open');
    let reported = false;
    const report = async (script: LuaScript<string>, ...args: (string | number)[]) => {
      if (reported) return;
      reported = true;
      const state = await script.run(this.redis, [this.key], [token, ...args]);
      if (state !== 'ignored') this.onChange(state as CircuitState);
    };
    return {
      admission: admission === 2 ? 'probe' : 'closed',
      succeeded: () => report(SUCCEED),
      failed: (options) =>
        report(FAIL, this.threshold, this.openMs, options?.trip === true ? 1 : 0),
      abandoned: async () => {
        if (admission === 2) await report(ABANDON);
        reported = true;
      },
    };
  }

  /** How long an open circuit holds calls. */
  get openForMs(): number {
    return this.openMs;
  }

  async state(): Promise<CircuitState> {
    return STATE.run(this.redis, [this.key], []);
  }
}
