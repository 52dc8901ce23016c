-- Takes tokens from one bucket. KEYS: 1 bucket. ARGV: 1 rate (tokens per ms), 2 burst,
-- 3 cost. Answers takeTokens' reply.
-- @include "includes/replicate-effects"
-- @include "includes/take-tokens"
local take = takeTokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
flushTokens()
return take
