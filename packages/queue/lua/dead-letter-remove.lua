-- Deletes a dead letter (KEYS[1] field ARGV[1]) and its index members (KEYS[2..]) if the
-- entry still reads ARGV[2]. Answers 1 if it did, 0 if it changed since it was read.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 1
