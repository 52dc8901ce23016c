-- Takes one of a tenant's running slots in a pool for a task, or parks the task. KEYS[1]:
-- the tenant's running tasks in the pool (task id → lease expiry, Redis clock); KEYS[2]: its
-- parked tasks (task id → when parked). ARGV: 1 the tenant's limit, 2 the task id, 3 lease ms.
-- Expired leases (their worker died) are dropped first; a task that holds a slot already (its
-- run was lost with its worker and it runs again) keeps it. Answers 'run' or 'park'.
-- @include "includes/redis-clock"
local running, parked = KEYS[1], KEYS[2]
local limit, taskId, leaseMs = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local now = clockMs()
redis.call('ZREMRANGEBYSCORE', running, '-inf', now)
if redis.call('ZSCORE', running, taskId) or redis.call('ZCARD', running) < limit then
  redis.call('ZADD', running, now + leaseMs, taskId)
  redis.call('ZREM', parked, taskId)
  -- The set outlives its longest lease, and no more (a tenant gone quiet leaves nothing).
  if redis.call('PTTL', running) < leaseMs then redis.call('PEXPIRE', running, leaseMs) end
  return 'run'
end
redis.call('ZADD', parked, 'NX', now, taskId)
redis.call('PEXPIRE', parked, 86400000)
return 'park'
