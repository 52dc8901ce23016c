-- Lets a call through a provider's circuit breaker, or not. One hash per provider (KEYS[1]):
-- `failures` in a row while closed; `openUntil` (Redis clock, ms) once it opened, kept after
-- it passed so the circuit reads half-open; `probe` and `probeUntil` for the one trial call.
-- A missing hash is a closed circuit with no failures.
-- ARGV: 1 token, 2 probe lease (ms), 3 wait suggested while another trial call runs (ms).
-- Answers { waitMs, admission }: 0 refused, 1 an ordinary call (closed), 2 the trial call.
-- @include "includes/redis-clock"
local now = clockMs()
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe', 'probeUntil')
local openUntil = tonumber(s[1])
if not openUntil then return {0, 1} end
if openUntil > now then return {openUntil - now, 0} end
local probeUntil = tonumber(s[3]) or 0
if s[2] and probeUntil > now then return {math.min(tonumber(ARGV[3]), probeUntil - now), 0} end
redis.call('HSET', KEYS[1], 'probe', ARGV[1], 'probeUntil', now + tonumber(ARGV[2]))
return {0, 2}
