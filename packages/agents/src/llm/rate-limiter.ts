import type { Redis } from 'ioredis';
import { RateLimitedError } from '../errors.js';

/** Per provider+model limits, shared by every worker. 0 (or absent) means no limit. */
export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Calls running at once (see ConcurrencyLimiter). */
  maxConcurrency?: number;
}

// Two token buckets in one hash (req, tok). A limit of N per minute is a bucket that holds
// at most one second's worth (at least 1) and refills at (N - burst) per minute: whatever
// the timing, no 60 s window lets more than N through, and a burst is small. Refill uses
// Redis' clock so workers with skewed clocks agree. ARGV of level(): limit.
const REFILL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function burst(limit)
  return math.max(1, math.ceil(limit / 60))
end
local function level(field, limit)
  local cap = burst(limit)
  local perMinute = limit - cap
  if perMinute <= 0 then perMinute = limit end
  local v = redis.call('HMGET', KEYS[1], field, field .. ':ts')
  local value = tonumber(v[1]) or cap
  local ts = tonumber(v[2]) or now
  return math.min(cap, value + math.max(0, now - ts) * perMinute / 60000), perMinute
end
`;

// KEYS[2] is the provider's pause (see PAUSE): while it lasts nothing is taken; the reply
// is {wait, 1}. A request waits until its bucket holds 1 and, for tokens, until the
// bucket holds its estimate or is full: a call larger than the burst takes the bucket
// below zero, and the calls after it wait for the overdraft to refill.
const RESERVE = `${REFILL}
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {paused, 1} end
local rpm, tpm, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = 0
local r, k, rRate, kRate
if rpm > 0 then
  r, rRate = level('req', rpm)
  if r < 1 then wait = math.ceil((1 - r) * 60000 / rRate) end
end
if tpm > 0 then
  k, kRate = level('tok', tpm)
  local need = math.min(want, burst(tpm))
  if k < need then wait = math.max(wait, math.ceil((need - k) * 60000 / kRate)) end
end
if wait > 0 then return {wait, 0} end
if r then redis.call('HSET', KEYS[1], 'req', tostring(r - 1), 'req:ts', now) end
if k then redis.call('HSET', KEYS[1], 'tok', tostring(k - want), 'tok:ts', now) end
redis.call('PEXPIRE', KEYS[1], 120000)
return {0, 0}
`;

// Gives back (or takes more of) the token bucket once the real count is known; the level
// may go below zero, which delays the next calls by the overrun.
const SETTLE = `${REFILL}
local tpm, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
local k = level('tok', tpm)
redis.call('HSET', KEYS[1], 'tok', tostring(math.min(burst(tpm), k + delta)), 'tok:ts', now)
redis.call('PEXPIRE', KEYS[1], 120000)
return 0
`;

// The provider said "come back in ARGV[1] ms": every worker holds its calls that long. A
// shorter pause never cuts a longer one short.
const PAUSE = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
`;

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
    private readonly redis: Redis,
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
        : ((await this.redis.eval(
            RESERVE,
            2,
            this.key(provider, model),
            pauseKey,
            rpm,
            tpm,
            tokens,
          )) as [number, number]);
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
          await this.redis.eval(SETTLE, 1, key, tpm, tokens - actualTokens);
      },
    };
  }

  /** Holds every worker's calls to this provider and model for `ms` (its Retry-After). */
  async pause(provider: string, model: string, ms: number): Promise<void> {
    await this.redis.eval(PAUSE, 1, this.pauseKey(provider, model), Math.ceil(ms));
  }
}
