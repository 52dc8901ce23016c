-- The active jobs (KEYS[1]) whose `processedBy` is none of ARGV[2..] and whose lock is set,
-- as flat `id, owner, token, expiresAt` quads. ARGV[1]: the queue's job key prefix. Reads
-- each job's hash and lock, keys derived from the ids in KEYS[1]: they share the queue's
-- hash slot. One hash field per active job.
-- @include "includes/redis-clock"
local live = {}
for i = 2, #ARGV do live[ARGV[i]] = true end
local found = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local job = ARGV[1] .. id
  local owner = redis.call('HGET', job, 'pb')
  if owner and not live[owner] then
    local token = redis.call('GET', job .. ':lock')
    local ttl = redis.call('PTTL', job .. ':lock')
    if token and ttl > 0 then
      table.insert(found, id)
      table.insert(found, owner)
      table.insert(found, token)
      table.insert(found, tostring(clockMs() + ttl))
    end
  end
end
return found
