import { loadLuaScript, type RateLimit, type RedisClient } from '@agentq/queue';

/** Takes tokens from one bucket (`lua/take-tokens.lua`): one shared budget per key. */
const TAKE_TOKENS = loadLuaScript<TakeReply>('take-tokens');

export interface Take {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** When refused: ms until the cost is affordable. */
  waitMs: number;
  /** ms until the bucket is full again. */
  fullMs: number;
}

/**
 * A token bucket in Redis per key (`lua/includes/take-tokens.lua`): it refills continuously
 * at a rate up to its burst, by Redis's clock, so every gateway replica shares one budget.
 */
export class TokenBuckets {
  constructor(private readonly redis: RedisClient) {}

  async take(key: string, limit: RateLimit, cost: number): Promise<Take> {
    const { rate, burst } = bucketRate(limit);
    const args = [rate, burst, cost];
    return toTake(await TAKE_TOKENS.run(this.redis, [key], args));
  }
}

/** What `takeTokens` answers. */
export type TakeReply = [allowed: number, tokens: string, waitMs: number, fullMs: number];

export function toTake([allowed, tokens, waitMs, fullMs]: TakeReply): Take {
  return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), waitMs, fullMs };
}

/** The gate's arguments for a take from a bucket (`lua/includes/take-tokens.lua`). */
export interface BucketArgs {
  /** The bucket's number in the call's KEYS. */
  key: number;
  /** Tokens per ms. */
  rate: number;
  burst: number;
}

/** A limit as `takeTokens` reads it: tokens per ms, and the burst. */
export function bucketRate(limit: RateLimit): { rate: number; burst: number } {
  return { rate: limit.perMinute / 60_000, burst: limit.burst };
}
