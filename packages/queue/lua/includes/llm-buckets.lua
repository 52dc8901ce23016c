-- Two token buckets in one hash (KEYS[1]: req, tok). A limit of N per minute is a bucket that
-- holds at most one second's worth (at least 1) and refills at (N - burst) per minute:
-- whatever the timing, no 60 s window lets more than N through, and a burst is small.
-- Refill uses Redis's clock so workers with skewed clocks agree.
-- level(field, limit) answers the bucket's level now and its refill per minute.
-- The same hash keeps, for readers (llm-budget.lua), the limits last reserved with (rpm, tpm,
-- 0: none), when (seen), and the use per minute: min is the current minute's number (Redis
-- time / 60 s), min:req and min:tok its requests and tokens, prev:req and prev:tok the
-- minute's before. minuteUse() answers the minute now and both minutes' counts as of now;
-- minuteFields() the fields that store them.
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
local function minuteUse()
  local minute = math.floor(clockMs() / 60000)
  local v = redis.call('HMGET', KEYS[1], 'min', 'min:req', 'min:tok', 'prev:req', 'prev:tok')
  local was = tonumber(v[1])
  local current = {tonumber(v[2]) or 0, tonumber(v[3]) or 0}
  if was == minute then return minute, current, {tonumber(v[4]) or 0, tonumber(v[5]) or 0} end
  if was == minute - 1 then return minute, {0, 0}, current end
  return minute, {0, 0}, {0, 0}
end
local function minuteFields(fields, minute, current, previous)
  for _, value in ipairs({'min', minute, 'min:req', current[1], 'min:tok', current[2],
      'prev:req', previous[1], 'prev:tok', previous[2]}) do
    fields[#fields + 1] = value
  end
  return fields
end
