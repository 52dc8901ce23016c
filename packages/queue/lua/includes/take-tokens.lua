-- takeTokens(key, rate, burst, cost) takes `cost` tokens from a bucket in one atomic step, so
-- every gateway replica shares one budget. The bucket refills continuously at `rate` tokens
-- per ms up to `burst`, and expires once it would be full again. Returns { allowed (0|1),
-- tokens left, ms until `cost` tokens are there, ms until full }. A bucket is read once per
-- script and kept in the script, so a call judging several submits of one key costs one
-- read; flushTokens() writes every bucket taken from back, once, before the script returns.
-- @include "includes/redis-clock"
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
