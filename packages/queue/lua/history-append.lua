-- Appends a scaler decision to a history stream (KEYS[1]), then trims it to the cap and to
-- the retention measured on Redis's clock (the entry ids'), so trimming does not depend on
-- whose clock wrote. Exact trims: changes are rare, so each removes a handful at most.
-- ARGV: 1 most entries, 2 retention ms, 3 the decision (JSON). Answers the entry id.
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'd', ARGV[3])
local ms = tonumber(string.match(id, '^(%d+)'))
redis.call('XTRIM', KEYS[1], 'MINID', math.max(0, ms - tonumber(ARGV[2])) .. '-0')
return id
