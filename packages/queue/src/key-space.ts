import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './connection.js';

/**
 * Deletes every key under a prefix with SCAN + UNLINK (never FLUSHALL: the Redis may be
 * shared); on a Cluster, on every master. Returns how many keys were deleted.
 */
export async function deleteKeysByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const deleted = await Promise.all(nodes.map((node) => deleteOnNode(node, prefix)));
  return deleted.reduce((sum, count) => sum + count, 0);
}

async function deleteOnNode(node: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    // One key per UNLINK: on a Cluster node, the keys of one scan may be in several slots.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.unlink(key);
    const replies = (await pipeline.exec()) ?? [];
    deleted += replies.reduce((sum, [, count]) => sum + Number(count ?? 0), 0);
  } while (cursor !== '0');
  return deleted;
}
