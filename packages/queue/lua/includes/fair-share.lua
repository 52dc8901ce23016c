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
-- V and the tags are read once per script and written by flushFairShare(), which must run
-- before the script returns: a batch of N tasks costs N score updates and one write of each.
local FAIR_LEVEL = 0x100000000
local fairQueues = {}

-- Numbers in full: Redis would pass a Lua number with 14 digits only.
local function exact(number) return string.format('%.17g', number) end

-- The queue's state as this script left it; read on first use, when `jobId` (just added,
-- scored by BullMQ's counter) may be the head: the head before it counts.
local function fairQueue(prioritized, pc, state, jobId)
  local queue = fairQueues[state]
  if queue then return queue end
  local virtual = tonumber(redis.call('HGET', state, 'v')) or 0
  local head = redis.call('ZRANGE', prioritized, 0, 1, 'WITHSCORES')
  local headScore = head[1] == jobId and head[4] or head[2]
  if headScore then
    local headTag = tonumber(headScore) % FAIR_LEVEL
    if headTag > virtual then virtual = headTag end
  end
  queue = { pc = pc, state = state, virtual = virtual, finish = {} }
  fairQueues[state] = queue
  return queue
end

local function fairShare(prioritized, pc, state, jobId, tenant, weight)
  local score = tonumber(redis.call('ZSCORE', prioritized, jobId))
  if not score then return end
  local queue = fairQueue(prioritized, pc, state, jobId)
  local level = math.floor(score / FAIR_LEVEL)
  local field = 'f:' .. level .. ':' .. tenant
  local finish = queue.finish[field] or tonumber(redis.call('HGET', state, field)) or 0
  local start = math.max(queue.virtual, finish)
  -- Past the counter's range BullMQ's own scores wrap too: start again from 0.
  if start + 1 >= FAIR_LEVEL then start, queue.virtual = 0, 0 end
  redis.call('ZADD', prioritized, 'XX', exact(level * FAIR_LEVEL + start), jobId)
  queue.finish[field] = start + 1 / weight
end

local function flushFairShare()
  for state, queue in pairs(fairQueues) do
    local fields = { 'v', exact(queue.virtual) }
    for field, finish in pairs(queue.finish) do
      fields[#fields + 1] = field
      fields[#fields + 1] = exact(finish)
    end
    redis.call('HSET', state, unpack(fields))
    redis.call('SET', queue.pc, string.format('%d', math.floor(queue.virtual)))
  end
end
