-- ARGV 4 step, 5 error code, 6 error message. A step failed for good. fail-fast ends the
-- workflow; continue skips every step that depends on it, directly or not. Returns
-- {queued step ids whose tasks to remove, running step ids whose tasks to abort}.
-- @include "includes/workflow-common"
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
