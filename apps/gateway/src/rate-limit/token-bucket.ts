import type { Redis } from 'ioredis';
import type { RateLimit } from '@agentq/queue';
import { RedisScript } from '../http/redis-script.js';

/**
 * Lua: `takeTokens(key, rate, burst, cost)` takes `cost` tokens from a bucket in one atomic
 * step, so every gateway replica shares one budget. Time is Redis's own clock (TIME, read once
 * per script), so replicas' clocks do not matter. The bucket refills continuously at `rate`
 * tokens per ms up to `burst`, and expires once it would be full again. Returns { allowed
 * (0|1), tokens left, ms until `cost` tokens are there, ms until full }. A bucket is read once
 * per script and kept in the script, so a call judging several submits of one key costs one
 * read; `flushTokens()` writes every bucket taken from back, once, and must run before the
 * script returns. A script using it starts with {@link REPLICATE_EFFECTS_LUA} (TIME before
 * writes).
 */
export const TAKE_TOKENS_LUA = `
local scriptNowMs
local function clockMs()
  if not scriptNowMs then
    local time = redis.call('TIME')
    scriptNowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return scriptNowMs
end
local takenBuckets = {}
local function takeTokens(key, rate, burst, cost)
  local now = clockMs()
  local bucket = takenBuckets[key]
  if not bucket then
    local state = redis.call('HMGET', key, 'tokens', 'at')
    bucket = { tokens = tonumber(state[1]) or burst, at = tonumber(state[2]) or now }
    takenBuckets[key] = bucket
  end
  local tokens = bucket.tokens
  if now > bucket.at then tokens = math.min(burst, tokens + (now - bucket.at) * rate) end
  local allowed = 0
  local waitMs = 0
  if tokens >= cost then
    tokens = tokens - cost
    allowed = 1
  else
    waitMs = math.ceil((cost - tokens) / rate)
  end
  local fullMs = math.ceil((burst - tokens) / rate)
  bucket.tokens = tokens
  bucket.at = math.max(now, bucket.at)
  bucket.fullMs = fullMs
  return { allowed, tostring(tokens), waitMs, fullMs }
end
local function flushTokens()
  for key, bucket in pairs(takenBuckets) do
    redis.call('HSET', key, 'tokens', tostring(bucket.tokens), 'at', tostring(bucket.at))
    redis.call('PEXPIRE', key, bucket.fullMs + 1000)
  end
end
`;

/** Lua: replicate a script's writes rather than the script (it reads TIME). */
export const REPLICATE_EFFECTS_LUA =
  'if redis.replicate_commands then redis.replicate_commands() end';

const TAKE_TOKENS = new RedisScript(`${REPLICATE_EFFECTS_LUA}
${TAKE_TOKENS_LUA}
local take = takeTokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
flushTokens()
return take
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
    const args = [...bucketArgs(limit), String(cost)];
    return toTake((await TAKE_TOKENS.run(this.redis, [key], args)) as TakeReply);
  }
}

/** What `takeTokens` answers. */
export type TakeReply = [allowed: number, tokens: string, waitMs: number, fullMs: number];

export function toTake([allowed, tokens, waitMs, fullMs]: TakeReply): Take {
  return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), waitMs, fullMs };
}

/** `takeTokens`' rate (tokens per ms) and burst for a limit. */
export function bucketArgs(limit: RateLimit): [rate: string, burst: string] {
  return [String(limit.perMinute / 60_000), String(limit.burst)];
}
