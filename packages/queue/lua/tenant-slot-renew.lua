-- Renews a running task's slot lease (tenant-slot-take.lua; KEYS[1] the running set) while
-- it holds one. ARGV: 1 the task id, 2 lease ms. A slot no longer held is not taken back.
-- Answers 1 renewed, 0 not held.
-- @include "includes/redis-clock"
local running, taskId, leaseMs = KEYS[1], ARGV[1], tonumber(ARGV[2])
if not redis.call('ZSCORE', running, taskId) then return 0 end
redis.call('ZADD', running, 'XX', clockMs() + leaseMs, taskId)
if redis.call('PTTL', running) < leaseMs then redis.call('PEXPIRE', running, leaseMs) end
return 1
