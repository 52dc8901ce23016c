-- createWorkflow(workflow) stores a new workflow's records: `hashes` is a list of
-- { key = KEYS number, fields = { field, value, ... } } (meta, steps, defs, deps, pending,
-- dependents) and `event` the fields of its first event, added to KEYS[workflow.events].
-- With `index` = { key, member, tooOld, keep }, the workflow's entry goes in its tenant's
-- workflow index, added and trimmed as the task index is (flushIndex() writes it).
-- The records are built by the workflow engine (workflowRecords), which reads them.
-- @include "includes/hset-all"
-- @include "includes/index-tasks"
local function createWorkflow(workflow)
  for _, hash in ipairs(workflow.hashes) do hsetAll(KEYS[hash.key], hash.fields) end
  redis.call('XADD', KEYS[workflow.events], '*', unpack(workflow.event))
  local index = workflow.index
  if index then indexTasks(KEYS[index.key], index.tooOld, index.keep, { index.member }) end
end
