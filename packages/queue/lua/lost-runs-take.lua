-- Counts the runs of a task lost with their workers that were not counted yet. KEYS[1]: the
-- task's BullMQ job hash, whose `agentqLostCounted` field holds the stalls already counted as
-- failed attempts. ARGV[1]: BullMQ's stall count of the task. Answers how many are new.
local counted = tonumber(redis.call('HGET', KEYS[1], 'agentqLostCounted') or '0')
local stalls = tonumber(ARGV[1])
if stalls <= counted then return 0 end
redis.call('HSET', KEYS[1], 'agentqLostCounted', stalls)
-- This fetch only counts the loss: it is not a start of the agent ('ats', attemptsStarted).
redis.call('HINCRBY', KEYS[1], 'ats', -1)
return stalls - counted
