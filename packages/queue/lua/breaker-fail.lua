-- A call through the circuit (KEYS[1]) failed. ARGV: 1 its token, 2 failures in a row that
-- open it, 3 how long it stays open (ms), 4 trip ('1' opens it at once). A failure while
-- closed counts (and opens at the threshold); the trial call's failure opens it again.
-- Failures of calls let through before it opened change nothing once it is open.
-- Answers the state it leaves ('open', 'closed'), or 'ignored'.
-- @include "includes/redis-clock"
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe')
local openMs = tonumber(ARGV[3])
local function open()
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'openUntil', clockMs() + openMs)
  redis.call('PEXPIRE', KEYS[1], openMs + 86400000)
  return 'open'
end
if not s[1] then
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('PEXPIRE', KEYS[1], 86400000)
  if failures >= tonumber(ARGV[2]) or ARGV[4] == '1' then return open() end
  return 'closed'
end
if s[2] == ARGV[1] then return open() end
return 'ignored'
