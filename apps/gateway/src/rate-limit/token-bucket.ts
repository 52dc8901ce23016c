import type { Redis } from 'ioredis';
import type { RateLimit } from '../auth/api-key.js';
import { RedisScript } from '../http/redis-script.js';

/**
 * Takes `cost` tokens from a bucket in one atomic step, so every gateway replica shares one
 * budget. Time is Redis's own clock (TIME), so replicas' clocks do not matter. The bucket
 * refills continuously at `rate` tokens per ms up to `burst`, and expires once it would be
 * full again. Returns { allowed (0|1), tokens left, ms until `cost` tokens are there, ms until full }.
 */
const TAKE_TOKENS = new RedisScript(`
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) * rate) end
local allowed = 0
local waitMs = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  waitMs = math.ceil((cost - tokens) / rate)
end
local fullMs = math.ceil((burst - tokens) / rate)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(math.max(now, at)))
redis.call('PEXPIRE', KEYS[1], fullMs + 1000)
return { allowed, tostring(tokens), waitMs, fullMs }
`);

export interface Take {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** When refused: ms until the cost is affordable. */
  waitMs: number;
  /** ms until the bucket is full again. */
  fullMs: number;
}

/** A token bucket in Redis per key (see TAKE_TOKENS). */
export class TokenBuckets {
  constructor(private readonly redis: Redis) {}

  async take(key: string, limit: RateLimit, cost: number): Promise<Take> {
    const args = [String(limit.perMinute / 60_000), String(limit.burst), String(cost)];
    const reply = (await TAKE_TOKENS.run(this.redis, [key], args)) as [
      number,
      string,
      number,
      number,
    ];
    const [allowed, tokens, waitMs, fullMs] = reply;
    return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), waitMs, fullMs };
  }
}
