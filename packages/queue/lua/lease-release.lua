-- Ends a lease (lock, leadership) only while KEYS[1] still holds this holder's token
-- (ARGV[1]): a holder whose lease expired and was taken by another must not end the new
-- holder's. Answers 1 released, 0 not held.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
