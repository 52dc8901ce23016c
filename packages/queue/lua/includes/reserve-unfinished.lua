-- reserveUnfinished(key, cap, now, graceMs, members, prune) reserves room for new tasks in a
-- tenant's set of unfinished tasks (members: BullMQ job keys, scored by submit time), all or
-- nothing, so replicas never overshoot the cap. Finished tasks are not removed as they
-- finish: when the set looks full, its oldest members (at most 1,000 per call) are checked
-- and those whose job finished (`finishedOn`) or vanished are dropped. A job that does not
-- exist yet is kept for a grace period, as its submit may still be enqueueing it. Without
-- `prune` (the job keys are in other slots of a Cluster) none is checked here. Returns -1
-- when reserved, else the unfinished count. The count is read once per script and kept up to
-- date in it, so several submits of one tenant in a call cost one count.
-- @include "includes/zadd-all"
local unfinishedCounts = {}
local function reserveUnfinished(key, cap, now, graceMs, members, prune)
  local wanted = #members
  local count = unfinishedCounts[key] or redis.call('ZCARD', key)
  if count + wanted > cap and prune then
    local oldest = redis.call('ZRANGE', key, 0, 999, 'WITHSCORES')
    for i = 1, #oldest, 2 do
      local jobKey = oldest[i]
      local gone = redis.call('EXISTS', jobKey) == 0 and tonumber(oldest[i + 1]) < now - graceMs
      if gone or redis.call('HEXISTS', jobKey, 'finishedOn') == 1 then
        redis.call('ZREM', key, jobKey)
        count = count - 1
        if count + wanted <= cap then break end
      end
    end
  end
  if count + wanted > cap then
    unfinishedCounts[key] = count
    return count
  end
  zaddAll(key, now, members)
  unfinishedCounts[key] = count + wanted
  return -1
end
