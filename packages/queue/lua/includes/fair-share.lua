-- fairShare(prioritized, pc, state, jobId, tenant, weight) re-places a job BullMQ has just
-- added to a pool's prioritized set so that, within its priority level, the tenants with
-- waiting tasks take turns by weight (start-time fair queuing). BullMQ scores a job
-- `priority * 2^32 + counter` and runs the lowest score first; here the counter part is the
-- job's start tag instead: S = max(V, F), where F is the tenant's finish tag in that level
-- and V the pool's virtual time (the tag of the task at the head of the set, never going
-- back); then F = S + 1 / weight. A tenant that floods the pool gets tags far ahead of V, so
-- another tenant's next task, tagged V, runs within about one task of being queued.
-- BullMQ's own counter (`pc`) is then set to V: a task BullMQ queues by itself (a retry or a
-- delayed task coming due, a workflow's next step) is tagged V too, as a newcomer's would be,
-- never behind a flood. `state` (a hash in the pool's slot) keeps V and each tenant's F per
-- level. A job not in the prioritized set (delayed) is left alone.
local FAIR_LEVEL = 0x100000000
local function fairShare(prioritized, pc, state, jobId, tenant, weight)
  local score = tonumber(redis.call('ZSCORE', prioritized, jobId))
  if not score then return end
  local level = math.floor(score / FAIR_LEVEL)
  local virtual = tonumber(redis.call('HGET', state, 'v')) or 0
  -- The head before this job (it may be at the head itself, with BullMQ's score).
  local head = redis.call('ZRANGE', prioritized, 0, 1, 'WITHSCORES')
  local headScore = head[1] == jobId and head[4] or head[2]
  if headScore then
    local headTag = tonumber(headScore) % FAIR_LEVEL
    if headTag > virtual then virtual = headTag end
  end
  local field = 'f:' .. level .. ':' .. tenant
  local finish = tonumber(redis.call('HGET', state, field)) or 0
  local start = math.max(virtual, finish)
  -- Past the counter's range BullMQ's own scores wrap too: start again from 0.
  if start + 1 >= FAIR_LEVEL then start, virtual = 0, 0 end
  -- Formatted in full: Redis would pass a Lua number with 14 digits only.
  local exact = function(number) return string.format('%.17g', number) end
  redis.call('ZADD', prioritized, 'XX', exact(level * FAIR_LEVEL + start), jobId)
  redis.call('HSET', state, 'v', exact(virtual), field, exact(start + 1 / weight))
  redis.call('SET', pc, string.format('%d', math.floor(virtual)))
end
