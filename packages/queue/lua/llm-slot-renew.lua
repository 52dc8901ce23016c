-- Renews a held slot's lease (see llm-slot-acquire.lua). KEYS[1]: the slots. ARGV: 1 lease
-- ms, 2 token. A slot no longer held is not added back. Answers 0.
-- @include "includes/redis-clock"
redis.call('ZADD', KEYS[1], 'XX', clockMs() + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 0
