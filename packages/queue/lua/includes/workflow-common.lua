-- Lua scripts that move a workflow's steps. Each runs atomically in Redis, so two parents
-- completing at the same moment on different workers release their child exactly once, and
-- a step's completion and the release of its dependents are one operation.
--
-- Keys (one workflow, so one hash slot under a hash-tagged prefix):
--   1 meta (hash: state, onFailure, remaining, failedSteps, tenant, finishedAt, retention
--     (JSON policy of the steps' tasks), keepSeconds (of the keys once settled))
--   2 steps (hash: id -> JSON record)       3 pending (hash: id -> unfinished dependencies)
--   4 dependents (hash: id -> JSON ids)     5 outputs (hash: id -> JSON output, written once)
--   6 events (stream)                       7 defs (hash: id -> JSON step definition)
--   8 deps (hash: id -> JSON ids of its dependencies)
-- ARGV common to all: 1 now (ISO time), 2 channel to publish the workflow id on after a
-- change, 3 workflow id; then the script's own arguments.
-- Step records are JSON objects of scalars only (cjson turns empty tables into {}).
local meta, steps, pending, dependents, outputs, events, defs, deps =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local now, channel, workflow_id = ARGV[1], ARGV[2], ARGV[3]
local changed = false
local function event(...)
  redis.call('XADD', events, 'MAXLEN', '~', 10000, '*', ...)
  changed = true
end
-- Every script returns through here: listeners (gateway waits and streams) hear of a change.
local function reply(value)
  if changed then redis.call('PUBLISH', channel, workflow_id) end
  return value
end
local function get_step(id)
  local raw = redis.call('HGET', steps, id)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function put_step(id, record)
  redis.call('HSET', steps, id, cjson.encode(record))
  event('kind', 'step', 'step', id, 'state', record.state, 'at', now)
end
local function finish_one()
  return redis.call('HINCRBY', meta, 'remaining', -1)
end
local function remaining()
  return tonumber(redis.call('HGET', meta, 'remaining'))
end
-- Once every step has ended, the workflow settles: a running one completes (or fails if a
-- step failed); one ended early (fail-fast, cancel) keeps its state. The final event is the
-- last of the stream, and the keys expire after the retention. True when it settled.
local function settle_if_done(left)
  if left > 0 or redis.call('HEXISTS', meta, 'finishedAt') == 1 then return false end
  local state = redis.call('HGET', meta, 'state')
  if state == 'running' then
    state = 'completed'
    if tonumber(redis.call('HGET', meta, 'failedSteps') or '0') > 0 then state = 'failed' end
  end
  redis.call('HSET', meta, 'state', state, 'finishedAt', now)
  event('kind', 'workflow', 'state', state, 'at', now, 'final', '1')
  local keep_seconds = redis.call('HGET', meta, 'keepSeconds')
  if keep_seconds then
    for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, keep_seconds) end
  end
  return true
end
local terminal = { completed = true, failed = true, skipped = true, cancelled = true }
-- Ends the workflow before its steps have: pending and queued steps are cancelled here
-- (queued ones returned, to remove their tasks), running ones returned to be aborted (they
-- end cancelled when their task stops).
local function end_early(state)
  redis.call('HSET', meta, 'state', state)
  local queued, running = {}, {}
  local all = redis.call('HGETALL', steps)
  for i = 1, #all, 2 do
    local id, record = all[i], cjson.decode(all[i + 1])
    if record.state == 'pending' or record.state == 'queued' then
      if record.state == 'queued' then table.insert(queued, id) end
      record.state = 'cancelled'
      record.finishedAt = now
      put_step(id, record)
      finish_one()
    elseif record.state == 'running' then
      table.insert(running, id)
    end
  end
  if not settle_if_done(remaining()) then
    event('kind', 'workflow', 'state', state, 'at', now)
  end
  return { queued, running }
end
-- What the caller needs to enqueue released steps, in this one round trip:
-- { tenant, retention, their definitions, ids of their dependencies, those outputs, the
-- workflow's trace context (false when it has none) }.
local function release(ready)
  if #ready == 0 then return {} end
  local needed, seen = {}, {}
  for _, child in ipairs(ready) do
    for _, dep in ipairs(cjson.decode(redis.call('HGET', deps, child) or '[]')) do
      if not seen[dep] then
        seen[dep] = true
        table.insert(needed, dep)
      end
    end
  end
  local values = {}
  if #needed > 0 then values = redis.call('HMGET', outputs, unpack(needed)) end
  local owner = redis.call('HMGET', meta, 'tenant', 'retention', 'trace')
  return { owner[1], owner[2], redis.call('HMGET', defs, unpack(ready)), needed, values, owner[3] }
end
