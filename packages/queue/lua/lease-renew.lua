-- Renews a lease (lock, leadership) only while KEYS[1] still holds this holder's token
-- (ARGV[1]): a holder whose lease expired and was taken by another must not extend the new
-- holder's. ARGV[2]: the new time to live, ms. Answers 1 renewed, 0 not held.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
