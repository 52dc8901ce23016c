-- readableJob(packedArgs, packedOpts): whether BullMQ's add scripts can read a job's packed
-- arguments and options. Checked before a script writes anything, as Redis keeps a script's
-- writes when it fails half way.
local function readable(packed)
  local ok, value = pcall(cmsgpack.unpack, packed)
  return ok and type(value) == 'table'
end
local function readableJob(packedArgs, packedOpts)
  return readable(packedArgs) and readable(packedOpts)
end
