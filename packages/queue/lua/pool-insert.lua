-- Queues jobs into one pool's queue, for submits whose checks and records the submit gate
-- kept in another hash slot (on a Cluster each pool has a slot of its own). A job with a
-- marker is queued only while its marker is unset, and sets it for `ttl` seconds (as long as
-- its idempotency claim): a submit retried after its gateway died between the gate and here
-- (an idempotent repeat) queues the task that never was, and never queues again one that ran
-- and was removed by its retention.
-- KEYS: every key the call touches; arguments name them by number.
-- ARGV[1]: packed list of blocks, the queue's add scripts (lua/includes/insert-blocks.lua).
-- ARGV[2]: packed list of jobs: { block, args, data, opts, marker (0: none), ttl }, and with
-- fair sharing on, { tenant, weight } (lua/includes/fair-share.lua).
-- ARGV[3..]: binary values the jobs name by number (BullMQ's packed job arguments).
-- Answers the packed list, per job: 'queued', 'repeat' (queued before) or 'error: <why>'.
-- @include "includes/readable-job"
-- @include "includes/fair-share"
-- @include "includes/insert-blocks"
-- @include "includes/bullmq-insert-job"

local blocks = readBlocks(ARGV[1])

local function queue(job)
  local block = blocks[job.block]
  if not (block and readableJob(ARGV[job.args], ARGV[job.opts])) then
    error('unreadable job arguments')
  end
  local marker = job.marker > 0 and KEYS[job.marker]
  if marker and redis.call('EXISTS', marker) == 1 then return 'repeat' end
  local id = insertJob(block.kind, block.keys, ARGV[job.args], job.data, ARGV[job.opts])
  local fair = block.fair
  if fair and job.tenant then
    fairShare(fair.prioritized, fair.counter, fair.state, id, job.tenant, job.weight)
  end
  if marker then redis.call('SET', marker, '1', 'EX', job.ttl) end
  return 'queued'
end

local replies = {}
for _, job in ipairs(cmsgpack.unpack(ARGV[2])) do
  -- One job's failure is its alone: the others keep theirs.
  local ok, reply = pcall(queue, job)
  replies[#replies + 1] = ok and reply or ('error: ' .. tostring(reply))
end
flushFairShare()
return cmsgpack.pack(replies)
