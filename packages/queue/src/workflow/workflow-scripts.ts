/**
 * Lua scripts that move a workflow's steps. Each runs atomically in Redis, so two parents
 * completing at the same moment on different workers release their child exactly once, and
 * a step's completion and the release of its dependents are one operation.
 *
 * Keys (one workflow, so one hash slot under a hash-tagged prefix):
 *   1 meta (hash: state, onFailure, remaining, failedSteps, tenant, finishedAt, retention
 *     (JSON policy of the steps' tasks), keepSeconds (of the keys once settled))
 *   2 steps (hash: id -> JSON record)       3 pending (hash: id -> unfinished dependencies)
 *   4 dependents (hash: id -> JSON ids)     5 outputs (hash: id -> JSON output, written once)
 *   6 events (stream)                       7 defs (hash: id -> JSON step definition)
 *   8 deps (hash: id -> JSON ids of its dependencies)
 * ARGV common to all: 1 now (ISO time), 2 channel to publish the workflow id on after a
 * change, 3 workflow id; then the script's own arguments.
 * Step records are JSON objects of scalars only (cjson turns empty tables into {}).
 */

const COMMON = `
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
-- { tenant, retention, their definitions, ids of their dependencies, those outputs }.
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
  local tenant_retention = redis.call('HMGET', meta, 'tenant', 'retention')
  return { tenant_retention[1], tenant_retention[2], redis.call('HMGET', defs, unpack(ready)), needed, values }
end
`;

/**
 * ARGV 4 step, 5 task id. Returns `run` (the task may run), `done` (the step completed
 * already: its task runs again after a crash, so the caller re-releases and does not run
 * it), or `stop` (the workflow moved on; a step it finds queued or running ends cancelled).
 */
export const START_STEP = `${COMMON}
local id, task_id = ARGV[4], ARGV[5]
local record = get_step(id)
if not record then return reply('stop') end
if record.state == 'completed' then return reply('done') end
if terminal[record.state] or record.state == 'pending' then return reply('stop') end
if redis.call('HGET', meta, 'state') ~= 'running' then
  record.state = 'cancelled'
  record.finishedAt = now
  put_step(id, record)
  settle_if_done(finish_one())
  return reply('stop')
end
record.state = 'running'
record.taskId = task_id
record.attempts = (record.attempts or 0) + 1
if not record.startedAt then record.startedAt = now end
put_step(id, record)
return reply('run')
`;

/**
 * ARGV 4 step, 5 output JSON. Records the output once and releases dependents whose
 * dependencies have all completed. Returns what {@link release} returns for them. Called
 * again for a step that already completed (its task ran twice, or its worker died before
 * enqueueing), it returns the released steps that have not started yet: adding a step's
 * task twice adds it once (fixed job id), so a crash between this script and the enqueue is
 * recovered by the task's next run.
 */
export const COMPLETE_STEP = `${COMMON}
local id, output = ARGV[4], ARGV[5]
local record = get_step(id)
if not record then return reply({}) end
local children = cjson.decode(redis.call('HGET', dependents, id) or '[]')
local ready = {}
if record.state == 'completed' then
  for _, child in ipairs(children) do
    local child_record = get_step(child)
    if child_record and child_record.state == 'queued' then table.insert(ready, child) end
  end
  return reply(release(ready))
end
if terminal[record.state] then return reply({}) end
record.state = 'completed'
record.finishedAt = now
put_step(id, record)
redis.call('HSETNX', outputs, id, output)
local left = finish_one()
if redis.call('HGET', meta, 'state') == 'running' then
  for _, child in ipairs(children) do
    if redis.call('HINCRBY', pending, child, -1) == 0 then
      local child_record = get_step(child)
      if child_record and child_record.state == 'pending' then
        child_record.state = 'queued'
        put_step(child, child_record)
        table.insert(ready, child)
      end
    end
  end
end
settle_if_done(left)
return reply(release(ready))
`;

/**
 * ARGV 4 step, 5 error code, 6 error message. A step failed for good. fail-fast ends the
 * workflow; continue skips every step that depends on it, directly or not. Returns
 * {queued step ids whose tasks to remove, running step ids whose tasks to abort}.
 */
export const FAIL_STEP = `${COMMON}
local id, code, message = ARGV[4], ARGV[5], ARGV[6]
local record = get_step(id)
if not record or terminal[record.state] then return reply({ {}, {} }) end
if code == 'CANCELLED' then record.state = 'cancelled' else record.state = 'failed' end
record.finishedAt = now
record.errorCode = code
record.errorMessage = message
put_step(id, record)
finish_one()
-- A step cancelled on its own counts as failed for the workflow's policy.
if redis.call('HGET', meta, 'state') == 'running' then
  redis.call('HINCRBY', meta, 'failedSteps', 1)
  if redis.call('HGET', meta, 'onFailure') == 'fail-fast' then
    return reply(end_early('failed'))
  end
  local frontier = { id }
  while #frontier > 0 do
    local current = table.remove(frontier)
    for _, child in ipairs(cjson.decode(redis.call('HGET', dependents, current) or '[]')) do
      local child_record = get_step(child)
      if child_record and child_record.state == 'pending' then
        child_record.state = 'skipped'
        child_record.finishedAt = now
        put_step(child, child_record)
        finish_one()
        table.insert(frontier, child)
      end
    end
  end
end
settle_if_done(remaining())
return reply({ {}, {} })
`;

/** Returns {queued step ids, running step ids}, or nil if the workflow is not running. */
export const CANCEL_WORKFLOW = `${COMMON}
if redis.call('HGET', meta, 'state') ~= 'running' then return reply(false) end
return reply(end_early('cancelled'))
`;
