import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A Lua script run by its SHA (EVALSHA), sent whole only when Redis does not know it yet. */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | Buffer)[],
  ): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this Redis (or after SCRIPT FLUSH or a restart).
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
}

/**
 * Lua: `zaddAll(key, score, members)` adds every member with one score in as few ZADD calls
 * as Lua's argument limit allows (a call per member costs Redis more on large batches).
 */
export const ZADD_ALL_LUA = `
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
`;
