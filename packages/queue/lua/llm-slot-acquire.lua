-- Takes a leased slot of a provider's (or model's) calls running at once. KEYS[1]: a sorted
-- set of slot tokens scored by lease expiry (Redis clock). ARGV: 1 limit, 2 lease ms,
-- 3 token. Expired leases (their worker died) are dropped first. Answers 1 taken, 0 full.
-- @include "includes/redis-clock"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', clockMs())
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], clockMs() + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
