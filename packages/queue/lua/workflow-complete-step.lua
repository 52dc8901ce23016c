-- ARGV 4 step, 5 output JSON. Records the output once and releases dependents whose
-- dependencies have all completed. Returns what `release` returns for them. Called
-- again for a step that already completed (its task ran twice, or its worker died before
-- enqueueing), it returns the released steps that have not started yet: adding a step's
-- task twice adds it once (fixed job id), so a crash between this script and the enqueue is
-- recovered by the task's next run.
-- @include "includes/workflow-common"
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
