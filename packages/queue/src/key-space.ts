import type { RedisClient } from './connection.js';

/**
 * Deletes every key under a prefix with SCAN + UNLINK (never FLUSHALL: the Redis may be
 * shared). Returns how many keys were deleted.
 */
export async function deleteKeysByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
