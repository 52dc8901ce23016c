-- Two token buckets in one hash (KEYS[1]: req, tok). A limit of N per minute is a bucket that
-- holds at most one second's worth (at least 1) and refills at (N - burst) per minute:
-- whatever the timing, no 60 s window lets more than N through, and a burst is small.
-- Refill uses Redis's clock so workers with skewed clocks agree.
-- level(field, limit) answers the bucket's level now and its refill per minute.
-- @include "includes/redis-clock"
local function burst(limit)
  return math.max(1, math.ceil(limit / 60))
end
local function level(field, limit)
  local cap = burst(limit)
  local perMinute = limit - cap
  if perMinute <= 0 then perMinute = limit end
  local v = redis.call('HMGET', KEYS[1], field, field .. ':ts')
  local value = tonumber(v[1]) or cap
  local ts = tonumber(v[2]) or clockMs()
  return math.min(cap, value + math.max(0, clockMs() - ts) * perMinute / 60000), perMinute
end
