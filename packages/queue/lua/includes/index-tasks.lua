-- indexTasks(key, tooOld, keep, members) adds members (all scored 0) to a tenant's index (of
-- tasks, or of workflows) and trims it: `tooOld` is the exclusive lex bound of entries too old
-- to keep, `keep` how many to keep. The writes wait for flushIndex(), which must run before the
-- script returns: each index a script wrote to costs one add and one trim however many submits.
-- @include "includes/zadd-all"
local pendingIndex = {}
local function indexTasks(key, tooOld, keep, members)
  local pending = pendingIndex[key]
  if not pending then
    pending = { tooOld = tooOld, keep = keep, members = {} }
    pendingIndex[key] = pending
  end
  for i = 1, #members do pending.members[#pending.members + 1] = members[i] end
end
local function flushIndex()
  for key, pending in pairs(pendingIndex) do
    zaddAll(key, 0, pending.members)
    redis.call('ZREMRANGEBYLEX', key, '-', pending.tooOld)
    redis.call('ZREMRANGEBYRANK', key, 0, -pending.keep - 1)
  end
end
