-- keysOf(numbers): the KEYS those numbers name.
-- readBlocks(packed): the add scripts a call queues jobs with. Each packed block is
-- { kind, keys = { KEYS numbers } } and, for a queue's prioritized adds, fair = { prioritized,
-- counter, state } (KEYS numbers, lua/includes/fair-share.lua); answered with the keys.
local function keysOf(numbers)
  local keys = {}
  for i, number in ipairs(numbers) do keys[i] = KEYS[number] end
  return keys
end

local function readBlocks(packed)
  local blocks = {}
  for i, block in ipairs(cmsgpack.unpack(packed)) do
    local fair = block.fair
    blocks[i] = {
      kind = block.kind,
      keys = keysOf(block.keys),
      fair = fair and {
        prioritized = KEYS[fair.prioritized],
        counter = KEYS[fair.counter],
        state = KEYS[fair.state],
      },
    }
  end
  return blocks
end
