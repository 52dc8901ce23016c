-- Reads a provider+model's budget (KEYS[1], see includes/llm-buckets) without changing it:
-- the limits last reserved with, the use of the last 60 s (this minute's count plus the part
-- of the previous minute's that the window still covers, assuming its calls were spread
-- evenly) and what each bucket holds now (below zero after an overdraw).
-- Answers {} when no call reserved from it, else { seen ms, rpm, tpm, requests in the last
-- 60 s, tokens in the last 60 s, request level, token level } as strings; a level is '' for
-- no limit, and so are tokens used without a token limit (they are not counted).
-- @include "includes/llm-buckets"
local v = redis.call('HMGET', KEYS[1], 'seen', 'rpm', 'tpm')
if not v[1] then return {} end
local rpm, tpm = tonumber(v[2]) or 0, tonumber(v[3]) or 0
local minute, current, previous = minuteUse()
local covered = 1 - (clockMs() - minute * 60000) / 60000
local function lastMinute(i)
  return tostring(math.floor(current[i] + previous[i] * covered + 0.5))
end
local function levelOf(field, limit)
  if limit <= 0 then return '' end
  return tostring(math.floor(level(field, limit)))
end
return {
  v[1], tostring(rpm), tostring(tpm), lastMinute(1), tpm > 0 and lastMinute(2) or '',
  levelOf('req', rpm), levelOf('tok', tpm),
}
