import { loadLuaScript, type RedisClient } from '@agentq/queue';
import { RateLimitedError } from '../errors.js';

/** Per provider+model limits, shared by every worker. 0 (or absent) means no limit. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Calls running at once (see ConcurrencyLimiter). */
  maxConcurrency?: number;
}

/** Per provider and model budgets and pauses (`lua/llm-*.lua`), shared by every worker. */
const RESERVE = loadLuaScript<[number, number]>('llm-reserve');
const SETTLE = loadLuaScript('llm-settle');
const PAUSE = loadLuaScript('llm-pause');

/** Held between the call and its settlement. */
export interface Reservation {
  /** Records the tokens the call really used (0 if it failed before using any). */
  settle(actualTokens: number): Promise<void>;
}

const NOTHING_TO_SETTLE: Reservation = { settle: () => Promise.resolve() };

/**
 * Requests and tokens per minute per provider and model, across all workers, in Redis; and
 * the provider's own "retry after" (a 429), which pauses every worker's calls to it.
 */
export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(provider: string, model: string): string {
    return `${this.prefix}:llm:limit:${provider}:${model}`;
  }

  private pauseKey(provider: string, model: string): string {
    return `${this.prefix}:llm:pause:${provider}:${model}`;
  }

  /**
   * Takes one request and `tokens` from the budget, or throws RateLimitedError with the wait
   * (also while the provider's pause lasts).
   */
  async reserve(
    provider: string,
    model: string,
    tokens: number,
    limits: RateLimits,
  ): Promise<Reservation> {
    const rpm = limits.requestsPerMinute ?? 0;
    const tpm = limits.tokensPerMinute ?? 0;
    const pauseKey = this.pauseKey(provider, model);
    const [waitMs, pausedByProvider] =
      rpm <= 0 && tpm <= 0
        ? [await this.redis.pttl(pauseKey), 1]
        : await RESERVE.run(this.redis, [this.key(provider, model), pauseKey], [rpm, tpm, tokens]);
    if (waitMs > 0) {
      throw pausedByProvider === 1
        ? new RateLimitedError(`${provider} asked to wait before calling ${model} again`, waitMs, {
            reason: 'provider-429',
          })
        : new RateLimitedError(`rate limit of ${provider} ${model} reached`, waitMs, {
            reason: 'rpm-tpm-budget',
          });
    }
    if (tpm <= 0) return NOTHING_TO_SETTLE;
    const key = this.key(provider, model);
    return {
      settle: async (actualTokens) => {
        if (actualTokens !== tokens)
          await SETTLE.run(this.redis, [key], [tpm, tokens - actualTokens]);
      },
    };
  }

  /** Holds every worker's calls to this provider and model for `ms` (its Retry-After). */
  async pause(provider: string, model: string, ms: number): Promise<void> {
    await PAUSE.run(this.redis, [this.pauseKey(provider, model)], [Math.ceil(ms)]);
  }
}
