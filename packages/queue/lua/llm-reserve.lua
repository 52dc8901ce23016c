-- Takes one request and an estimate of tokens from a provider+model's budget (KEYS[1], see
-- includes/llm-buckets). KEYS[2] is the provider's pause (llm-pause.lua): while it lasts
-- nothing is taken. KEYS[3] lists the budgets used lately (member ARGV[5], scored by the
-- time of its last call), for readers. ARGV: 1 requests per minute, 2 tokens per minute
-- (0: no limit), 3 the tokens wanted, 4 how long (ms) an unused budget and its listing are
-- kept, 5 the budget's member in KEYS[3]. A request waits until its bucket holds 1 and, for
-- tokens, until the bucket holds the estimate or is full: a call larger than the burst takes
-- the bucket below zero, and the calls after it wait for the overdraft to refill. What is
-- taken is counted in the minute's use, tokens only under a token limit (settled then).
-- Answers { wait ms, 1 } while paused, { wait ms, 0 } while over budget, { 0, 0, minute }
-- taken (the minute whose use counts it, for llm-settle.lua).
-- @include "includes/llm-buckets"
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {paused, 1} end
local rpm, tpm, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local keepMs = tonumber(ARGV[4])
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
local now = clockMs()
local minute, current, previous = minuteUse()
current[1] = current[1] + 1
if tpm > 0 then current[2] = current[2] + want end
local fields = minuteFields({'rpm', rpm, 'tpm', tpm, 'seen', now}, minute, current, previous)
if r then
  fields[#fields + 1] = 'req'
  fields[#fields + 1] = tostring(r - 1)
  fields[#fields + 1] = 'req:ts'
  fields[#fields + 1] = now
end
if k then
  fields[#fields + 1] = 'tok'
  fields[#fields + 1] = tostring(k - want)
  fields[#fields + 1] = 'tok:ts'
  fields[#fields + 1] = now
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('PEXPIRE', KEYS[1], keepMs)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - keepMs)
redis.call('PEXPIRE', KEYS[3], keepMs)
return {0, 0, minute}
