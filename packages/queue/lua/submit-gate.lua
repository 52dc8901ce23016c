-- The submit gate: every check and record of a submit and its enqueue in one script, so a
-- submit costs one round trip and no other client sees it half done. Per submit, in order:
--   1. the key's request bucket (one token), when the submit carries `requests`;
--   2. the key's task bucket (`tasks.cost` tokens);
--   3. the idempotency claims, checked without writing;
--   4. the tenant's cap on unfinished tasks, for the jobs that are not repeats;
--   5. then, nothing having refused: the workflow's records and its index entry (if a
--      workflow, and new), the new jobs (by BullMQ's own add scripts), their claims, and the
--      task index.
-- A job with no block (0) is not queued here: on a Cluster, where each pool's keys have a slot
-- of their own, the caller queues it next, in its pool's slot (lua/pool-insert.lua). Then the
-- cap does not look into job keys (another slot) to drop finished tasks: the caller does that
-- when the cap refuses; and a new workflow is marked as being created (`creating`) until the
-- caller has queued its first steps, so that a caller that dies in between is recovered.
-- A refusal at a step keeps what the steps before it took (tokens are spent by trying) and
-- writes nothing after it. A submit whose job arguments BullMQ could not read fails before
-- it writes anything; should Redis fail a write later on, that submit fails keeping what it
-- wrote before (Redis does not undo a script); other submits of the call are not affected.
--
-- KEYS: every key the call touches; arguments name them by number.
-- ARGV[1]: packed list of blocks, a queue's add script each (lua/includes/insert-blocks.lua).
-- ARGV[2]: packed list of submits (GateSubmit in the gateway's admission/submit-gate.ts).
-- ARGV[3..]: binary values the submits name by number (BullMQ's packed job arguments).
-- Answers the packed list of one GateReply per submit.
-- @include "includes/replicate-effects"
-- @include "includes/readable-job"
-- @include "includes/take-tokens"
-- @include "includes/claims"
-- @include "includes/reserve-unfinished"
-- @include "includes/index-tasks"
-- @include "includes/create-workflow"
-- @include "includes/fair-share"
-- @include "includes/insert-blocks"
-- @include "includes/bullmq-insert-job"

local blocks = readBlocks(ARGV[1])

local function gate(submit)
  local jobs = submit.jobs
  for i, job in ipairs(jobs) do
    if job.block > 0 and not (blocks[job.block] and readableJob(ARGV[job.args], ARGV[job.opts])) then
      error('task ' .. i .. ' cannot be queued: unreadable job arguments')
    end
  end
  local reply = { outcome = 'ok', requestTokens = '-1', requestFullMs = 0, waitMs = 0 }
  local requests = submit.requests
  if requests then
    local take = takeTokens(KEYS[requests.key], requests.rate, requests.burst, 1)
    reply.requestTokens, reply.requestFullMs = take[2], take[4]
    if take[1] == 0 then
      reply.outcome, reply.waitMs = 'requests', take[3]
      return reply
    end
  end
  local tasks = submit.tasks
  if tasks then
    local take = takeTokens(KEYS[tasks.key], tasks.rate, tasks.burst, tasks.cost)
    if take[1] == 0 then
      reply.outcome, reply.waitMs = 'tasks', take[3]
      return reply
    end
  end
  local claims = submit.claims
  local claimKeys = keysOf(claims.keys)
  local outcomes = checkClaims(claimKeys, claims.hashes)
  for i = 1, #claimKeys do
    if outcomes[i] == 'c' then
      reply.outcome, reply.conflict = 'conflict', i
      return reply
    end
  end
  local fresh = {}
  for _, job in ipairs(jobs) do
    if job.claim == 0 or outcomes[job.claim] == 'n' then fresh[#fresh + 1] = job end
  end
  local cap = submit.cap
  if cap and #fresh > 0 then
    local members = {}
    for i, job in ipairs(fresh) do members[i] = job.jobKey end
    local unfinished =
      reserveUnfinished(KEYS[cap.key], cap.limit, cap.now, cap.graceMs, members, cap.prune)
    if unfinished >= 0 then
      reply.outcome, reply.unfinished, reply.queued = 'quota', unfinished, #fresh
      return reply
    end
  end
  local workflow = submit.workflow
  if workflow and (workflow.claim == 0 or outcomes[workflow.claim] == 'n') then
    createWorkflow(workflow)
    local creating = workflow.creating
    if creating then redis.call('ZADD', KEYS[creating.key], creating.at, creating.id) end
  end
  -- Queued before the claims are stored: should Redis fail an add (out of memory), the
  -- script stops with no claim naming a task that was never queued.
  for _, job in ipairs(fresh) do
    local block = blocks[job.block]
    if block then
      local id = insertJob(block.kind, block.keys, ARGV[job.args], job.data, ARGV[job.opts])
      local fair = block.fair
      if fair and job.tenant then
        fairShare(fair.prioritized, fair.counter, fair.state, id, job.tenant, job.weight)
      end
    end
  end
  commitClaims(claimKeys, claims.hashes, outcomes, claims.ttl)
  local index = submit.index
  if index and #fresh > 0 then
    local members = {}
    for i, job in ipairs(fresh) do members[i] = job.member end
    indexTasks(KEYS[index.key], index.tooOld, index.keep, members)
  end
  reply.claims, reply.queued = table.concat(outcomes), #fresh
  return reply
end

local replies = {}
for _, submit in ipairs(cmsgpack.unpack(ARGV[2])) do
  -- A failure is that submit's alone: the others of the call keep their answers and writes.
  local ok, reply = pcall(gate, submit)
  if not ok then reply = { outcome = 'error', error = tostring(reply) } end
  replies[#replies + 1] = reply
end
flushTokens()
flushIndex()
flushFairShare()
return cmsgpack.pack(replies)
