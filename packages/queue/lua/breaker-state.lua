-- The state of the circuit (KEYS[1]) as every worker sees it: 'closed', 'open', 'half-open'.
-- @include "includes/redis-clock"
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil'))
if not openUntil then return 'closed' end
if openUntil > clockMs() then return 'open' end
return 'half-open'
