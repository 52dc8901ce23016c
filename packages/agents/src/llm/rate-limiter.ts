import { ACTIVITY_MAX_HOURS } from '@agentq/contracts';
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
const RESERVE = loadLuaScript<[number, number] | [number, number, number]>('llm-reserve');
const SETTLE = loadLuaScript('llm-settle');
const PAUSE = loadLuaScript('llm-pause');

/** Held between the call and its settlement. */
export interface Reservation {
  /** Records the tokens the call really used (0 if it failed before using any). */
  settle(actualTokens: number): Promise<void>;
}

const NOTHING_TO_SETTLE: Reservation = { settle: () => Promise.resolve() };

/**
 * How long a budget nobody calls keeps its limits and counts (and its place in the list of
 * budgets), so the activity routes can show every budget used in their longest window.
 */
export const BUDGET_KEEP_MS = (ACTIVITY_MAX_HOURS + 1) * 3_600_000;

/** The hash of a provider+model's budget: buckets, limits last used, use per minute. */
export const budgetKey = (prefix: string, provider: string, model: string) =>
  `${prefix}:llm:limit:${provider}:${model}`;

/** The sorted set of budgets called lately: members `[provider, model]` (JSON), by last call. */
export const budgetIndexKey = (prefix: string) => `${prefix}:llm:budgets`;

/**
 * Requests and tokens per minute per provider and model, across all workers, in Redis; and
 * the provider's own "retry after" (a 429), which pauses every worker's calls to it. Each
 * call taken also publishes, in the same script, the limits it was taken under and the
 * minute's use, for `readLlmBudgets`: one round trip per call, limits or none.
 */
export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

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
    const key = budgetKey(this.prefix, provider, model);
    const [waitMs, pausedByProvider, minute] = await RESERVE.run(
      this.redis,
      [key, this.pauseKey(provider, model), budgetIndexKey(this.prefix)],
      [rpm, tpm, tokens, BUDGET_KEEP_MS, JSON.stringify([provider, model])],
    );
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
    return {
      settle: async (actualTokens) => {
        if (actualTokens !== tokens)
          await SETTLE.run(
            this.redis,
            [key],
            [tpm, tokens - actualTokens, minute ?? 0, BUDGET_KEEP_MS],
          );
      },
    };
  }

  /** Holds every worker's calls to this provider and model for `ms` (its Retry-After). */
  async pause(provider: string, model: string, ms: number): Promise<void> {
    await PAUSE.run(this.redis, [this.pauseKey(provider, model)], [Math.ceil(ms)]);
  }
}
