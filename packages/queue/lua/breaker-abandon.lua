-- The trial call through the circuit (KEYS[1]) never reached the provider (ARGV: 1 its
-- token): it gives its turn to the next. Answers 'ignored' (no change of state).
if redis.call('HGET', KEYS[1], 'probe') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'probe', 'probeUntil')
end
return 'ignored'
