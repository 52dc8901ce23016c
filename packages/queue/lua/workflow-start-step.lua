-- ARGV 4 step, 5 task id. Returns `run` (the task may run), `done` (the step completed
-- already: its task runs again after a crash, so the caller re-releases and does not run
-- it), or `stop` (the workflow moved on; a step it finds queued or running ends cancelled).
-- @include "includes/workflow-common"
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
