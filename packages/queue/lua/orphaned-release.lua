-- For each `id, owner, token, expiresAt` quad in ARGV[3..] whose job (key prefix ARGV[1]) is
-- still `processedBy` owner, with the same lock token and an expiry moved by no more than
-- ARGV[2] ms (not renewed): deletes the lock and adds the job to the stalled set (KEYS[1]),
-- which BullMQ's stalled-job check then moves exactly as it moves a job whose lock expired.
-- Clears the check's throttle (KEYS[2]) so that the next check runs at once. The job keys
-- derive from the ids given: they share the queue's hash slot. Answers the ids released.
-- @include "includes/redis-clock"
local slack = tonumber(ARGV[2])
local released = {}
for i = 3, #ARGV, 4 do
  local id, owner, token, expiresAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local job = ARGV[1] .. id
  local lock = job .. ':lock'
  if redis.call('GET', lock) == token and redis.call('HGET', job, 'pb') == owner then
    local ttl = redis.call('PTTL', lock)
    if ttl > 0 and math.abs(clockMs() + ttl - expiresAt) <= slack then
      redis.call('DEL', lock)
      redis.call('SADD', KEYS[1], id)
      table.insert(released, id)
    end
  end
end
if #released > 0 then redis.call('DEL', KEYS[2]) end
return released
