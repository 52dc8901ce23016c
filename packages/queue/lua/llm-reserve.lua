-- Takes one request and an estimate of tokens from a provider+model's budget (KEYS[1], see
-- includes/llm-buckets). KEYS[2] is the provider's pause (llm-pause.lua): while it lasts
-- nothing is taken. ARGV: 1 requests per minute, 2 tokens per minute (0: no limit), 3 the
-- tokens wanted. A request waits until its bucket holds 1 and, for tokens, until the bucket
-- holds the estimate or is full: a call larger than the burst takes the bucket below zero,
-- and the calls after it wait for the overdraft to refill.
-- Answers { wait ms, 1 } while paused, { wait ms, 0 } while over budget, { 0, 0 } taken.
-- @include "includes/llm-buckets"
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {paused, 1} end
local rpm, tpm, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local wait = 0
local r, k, rRate, kRate
if rpm > 0 then
  r, rRate = level('req', rpm)
  if r < 1 then wait = math.ceil((1 - r) * 60000 / rRate) end
end
if tpm > 0 then
  k, kRate = level('tok', tpm)
  local need = math.min(want, burst(tpm))
  if k < need then wait = math.max(wait, math.ceil((need - k) * 60000 / kRate)) end
end
if wait > 0 then return {wait, 0} end
if r then redis.call('HSET', KEYS[1], 'req', tostring(r - 1), 'req:ts', clockMs()) end
if k then redis.call('HSET', KEYS[1], 'tok', tostring(k - want), 'tok:ts', clockMs()) end
redis.call('PEXPIRE', KEYS[1], 120000)
return {0, 0}
