-- Whether this holder (ARGV[1]) owns the lease (KEYS[1]) under the latest acquisition's
-- fencing token (KEYS[2] holds it; ARGV[2] is the holder's). Answers 1 or 0.
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[2] then
  return 1
end
return 0
