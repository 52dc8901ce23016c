-- zaddAll(key, score, members) adds every member with one score in as few ZADD calls as
-- Lua's argument limit allows (a call per member costs Redis more on large batches).
local function zaddAll(key, score, members)
  local args = {}
  for i = 1, #members do
    args[2 * i - 1] = score
    args[2 * i] = members[i]
  end
  for first = 1, #args, 7000 do
    redis.call('ZADD', key, unpack(args, first, math.min(first + 6999, #args)))
  end
end
