-- A call through the circuit (KEYS[1]) succeeded. ARGV: 1 its token. A success while closed
-- clears the count of failures; the trial call's success closes the circuit.
-- Answers the state it leaves ('closed'), or 'ignored'.
local s = redis.call('HMGET', KEYS[1], 'openUntil', 'probe', 'failures')
if not s[1] then
  if s[3] then redis.call('DEL', KEYS[1]) end
  return 'closed'
end
if s[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 'closed'
end
return 'ignored'
