/**
 * Lua scripts that move a workflow's steps. Each runs atomically in Redis, so two parents
 * completing at the same moment on different workers release their child exactly once, and
 * a step's completion and the release of its dependents are one operation.
 *
 * Keys (one workflow, so one hash slot under a hash-tagged prefix):
 *   1 meta (hash: state, onFailure, remaining, finishedAt)   2 steps (hash: id -> JSON record)
 *   3 pending (hash: id -> unfinished dependencies)           4 dependents (hash: id -> JSON ids)
 *   5 outputs (hash: id -> JSON output, written once)         6 events (stream)
 * Step records are JSON objects of scalars only (cjson turns empty tables into {}).
 */

const COMMON = `
local meta, steps, pending, dependents, outputs, events = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local function get_step(id)
  local raw = redis.call('HGET', steps, id)
  if not raw then return nil end
  return cjson.decode(raw)
end
local function put_step(id, record, now)
  redis.call('HSET', steps, id, cjson.encode(record))
  redis.call('XADD', events, 'MAXLEN', '~', 10000, '*', 'kind', 'step', 'step', id, 'state', record.state, 'at', now)
end
local function finish_one()
  return redis.call('HINCRBY', meta, 'remaining', -1)
end
local function finish_workflow_if_done(remaining, now)
  if remaining > 0 then return 0 end
  local state = redis.call('HGET', meta, 'state')
  if state == 'running' then
    local final = 'completed'
    if redis.call('HGET', meta, 'failedSteps') ~= false and tonumber(redis.call('HGET', meta, 'failedSteps')) > 0 then
      final = 'failed'
    end
    redis.call('HSET', meta, 'state', final, 'finishedAt', now)
    redis.call('XADD', events, 'MAXLEN', '~', 10000, '*', 'kind', 'workflow', 'state', final, 'at', now)
  end
  return 1
end
local terminal = { completed = true, failed = true, skipped = true, cancelled = true }
-- Ends every step that has not finished: pending/queued ones are cancelled here, running ones
-- are returned so the caller aborts them (they end cancelled when their task stops).
local function cancel_unfinished(now, queued_out, running_out)
  local all = redis.call('HGETALL', steps)
  for i = 1, #all, 2 do
    local id, record = all[i], cjson.decode(all[i + 1])
    if record.state == 'pending' or record.state == 'queued' then
      if record.state == 'queued' then table.insert(queued_out, id) end
      record.state = 'cancelled'
      record.finishedAt = now
      put_step(id, record, now)
      finish_one()
    elseif record.state == 'running' and record.taskId then
      table.insert(running_out, record.taskId)
    end
  end
end
`;

/** ARGV: step, taskId, now. Returns 1 if the step may run, 0 if the workflow moved on. */
export const START_STEP = `${COMMON}
local id, task_id, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', meta, 'state') ~= 'running' then return 0 end
local record = get_step(id)
if not record or (record.state ~= 'queued' and record.state ~= 'running') then return 0 end
record.state = 'running'
record.taskId = task_id
record.attempts = (record.attempts or 0) + 1
if not record.startedAt then record.startedAt = now end
put_step(id, record, now)
return 1
`;

/**
 * ARGV: step, output JSON, now. Records the output once and releases dependents whose
 * dependencies have all completed. Returns the ids of steps to enqueue; called again for a
 * step that already completed (its task ran twice), it returns the released steps that have
 * not started yet, so a crash between this script and the enqueue is recovered.
 */
export const COMPLETE_STEP = `${COMMON}
local id, output, now = ARGV[1], ARGV[2], ARGV[3]
local record = get_step(id)
if not record then return {} end
local ready = {}
local children = cjson.decode(redis.call('HGET', dependents, id) or '[]')
if record.state == 'completed' then
  for _, child in ipairs(children) do
    local child_record = get_step(child)
    if child_record and child_record.state == 'queued' then table.insert(ready, child) end
  end
  return ready
end
if terminal[record.state] then return {} end
record.state = 'completed'
record.finishedAt = now
put_step(id, record, now)
redis.call('HSETNX', outputs, id, output)
local remaining = finish_one()
if redis.call('HGET', meta, 'state') == 'running' then
  for _, child in ipairs(children) do
    if redis.call('HINCRBY', pending, child, -1) == 0 then
      local child_record = get_step(child)
      if child_record and child_record.state == 'pending' then
        child_record.state = 'queued'
        put_step(child, child_record, now)
        table.insert(ready, child)
      end
    end
  end
end
finish_workflow_if_done(remaining, now)
return ready
`;

/**
 * ARGV: step, error code, error message, now. A step failed for good. fail-fast ends the
 * workflow; continue skips every step that depends on it, directly or not. Returns
 * {queued step ids to remove, running task ids to abort}.
 */
export const FAIL_STEP = `${COMMON}
local id, code, message, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local record = get_step(id)
if not record or terminal[record.state] then return { {}, {} } end
local cancelled = code == 'CANCELLED'
if cancelled then record.state = 'cancelled' else record.state = 'failed' end
record.finishedAt = now
record.errorCode = code
record.errorMessage = message
put_step(id, record, now)
local remaining = finish_one()
local queued, running = {}, {}
-- A step cancelled on its own counts as failed for the workflow's policy.
if redis.call('HGET', meta, 'state') == 'running' then
  redis.call('HINCRBY', meta, 'failedSteps', 1)
  if redis.call('HGET', meta, 'onFailure') == 'fail-fast' then
    redis.call('HSET', meta, 'state', 'failed', 'finishedAt', now)
    redis.call('XADD', events, 'MAXLEN', '~', 10000, '*', 'kind', 'workflow', 'state', 'failed', 'at', now)
    cancel_unfinished(now, queued, running)
    return { queued, running }
  end
  local frontier = { id }
  while #frontier > 0 do
    local current = table.remove(frontier)
    for _, child in ipairs(cjson.decode(redis.call('HGET', dependents, current) or '[]')) do
      local child_record = get_step(child)
      if child_record and child_record.state == 'pending' then
        child_record.state = 'skipped'
        child_record.finishedAt = now
        put_step(child, child_record, now)
        remaining = finish_one()
        table.insert(frontier, child)
      end
    end
  end
end
finish_workflow_if_done(remaining, now)
return { queued, running }
`;

/** ARGV: now. Returns {queued ids, running task ids}, or an empty reply if not running. */
export const CANCEL_WORKFLOW = `${COMMON}
local now = ARGV[1]
if redis.call('HGET', meta, 'state') ~= 'running' then return false end
redis.call('HSET', meta, 'state', 'cancelled', 'finishedAt', now)
redis.call('XADD', events, 'MAXLEN', '~', 10000, '*', 'kind', 'workflow', 'state', 'cancelled', 'at', now)
local queued, running = {}, {}
cancel_unfinished(now, queued, running)
return { queued, running }
`;
