-- Gives back (or takes more of) a provider+model's token bucket (KEYS[1]) once the real
-- count is known, and corrects the use of the minute that counted the estimate (if it is
-- still the current or the previous one). ARGV: 1 tokens per minute, 2 the difference to add,
-- 3 that minute (llm-reserve.lua's answer), 4 how long (ms) the budget is kept. The level may
-- go below zero, which delays the next calls by the overrun. Answers 0.
-- @include "includes/llm-buckets"
local tpm, delta, at = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local k = level('tok', tpm)
local minute, current, previous = minuteUse()
if at == minute then
  current[2] = math.max(0, current[2] - delta)
elseif at == minute - 1 then
  previous[2] = math.max(0, previous[2] - delta)
end
local fields = {'tok', tostring(math.min(burst(tpm), k + delta)), 'tok:ts', clockMs()}
redis.call('HSET', KEYS[1], unpack(minuteFields(fields, minute, current, previous)))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return 0
