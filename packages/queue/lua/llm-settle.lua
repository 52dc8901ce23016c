-- Gives back (or takes more of) a provider+model's token bucket (KEYS[1]) once the real
-- count is known. ARGV: 1 tokens per minute, 2 the difference to add. The level may go below
-- zero, which delays the next calls by the overrun. Answers 0.
-- @include "includes/llm-buckets"
local tpm, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
local k = level('tok', tpm)
redis.call('HSET', KEYS[1], 'tok', tostring(math.min(burst(tpm), k + delta)), 'tok:ts', clockMs())
redis.call('PEXPIRE', KEYS[1], 120000)
return 0
