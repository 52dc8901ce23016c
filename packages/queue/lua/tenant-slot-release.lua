-- Gives back a task's running slot (tenant-slot-take.lua; same KEYS) and answers the parked
-- tasks that may run now, oldest first, removed from the parked set: as many as the slots
-- free under the limit. ARGV: 1 the limit, 2 the task id. The caller moves them back to the
-- queue.
-- @include "includes/redis-clock"
local running, parked = KEYS[1], KEYS[2]
local limit, taskId = tonumber(ARGV[1]), ARGV[2]
redis.call('ZREM', running, taskId)
redis.call('ZREMRANGEBYSCORE', running, '-inf', clockMs())
local free = limit - redis.call('ZCARD', running)
if free <= 0 then return {} end
local next = redis.call('ZRANGE', parked, 0, free - 1)
if #next > 0 then redis.call('ZREM', parked, unpack(next)) end
return next
