-- hsetAll(key, fields) sets a flat { field, value, ... } list in as few HSET calls as Lua's
-- argument limit allows.
local function hsetAll(key, fields)
  for first = 1, #fields, 7000 do
    redis.call('HSET', key, unpack(fields, first, math.min(first + 6999, #fields)))
  end
end
