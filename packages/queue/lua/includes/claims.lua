-- checkClaims(keys, hashes) answers per key `n` (new), `r` (a repeat: the same hash was
-- stored) or `c` (conflict: another hash), without writing; an earlier key in the list wins
-- over a later one with the same key. commitClaims(keys, hashes, outcomes, ttl) then stores
-- the new ones. Split so a caller can refuse for other reasons in between and leave nothing.
local function checkClaims(keys, hashes)
  local seen = {}
  local outcomes = {}
  for i = 1, #keys do
    local previous = seen[keys[i]]
    if previous == nil then previous = redis.call('GET', keys[i]) end
    if not previous then
      outcomes[i] = 'n'
      seen[keys[i]] = hashes[i]
    elseif previous == hashes[i] then
      outcomes[i] = 'r'
    else
      outcomes[i] = 'c'
    end
  end
  return outcomes
end
local function commitClaims(keys, hashes, outcomes, ttl)
  for i = 1, #keys do
    if outcomes[i] == 'n' then redis.call('SET', keys[i], hashes[i], 'EX', ttl) end
  end
end
