-- The provider said "come back in ARGV[1] ms": every worker holds its calls to it that long
-- (KEYS[1], the pause). A shorter pause never cuts a longer one short. Answers 0.
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
