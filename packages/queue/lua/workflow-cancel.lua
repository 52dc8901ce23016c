-- Returns {queued step ids, running step ids}, or nil if the workflow is not running.
-- @include "includes/workflow-common"
if redis.call('HGET', meta, 'state') ~= 'running' then return reply(false) end
return reply(end_early('cancelled'))
