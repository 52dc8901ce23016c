-- clockMs(): Redis's own time in ms, read once per script, so every process shares one clock.
local scriptNowMs
local function clockMs()
  if not scriptNowMs then
    local time = redis.call('TIME')
    scriptNowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  end
  return scriptNowMs
end
