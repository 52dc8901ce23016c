import { Cluster, type Redis } from 'ioredis';
import type { PoolName } from '@agentq/contracts';
import type { RedisClient } from './connection.js';

/** A prefix that starts with a Redis Cluster hash tag: `before{tag}after`. */
const HASH_TAG = /^([^{]*)\{([^}]+)\}(.*)$/s;

/**
 * The key prefix of one pool's BullMQ keys. Under a hash-tagged prefix (`{agentq}`, as on a
 * Cluster) each pool gets a tag of its own (`{agentq:default}`), so different pools hash to
 * different slots and spread over a cluster's shards while each pool's keys, which BullMQ's
 * scripts take together, stay in one slot. Without a tag the prefix is the pool's: the
 * single-node layout is the same as it always was.
 */
export function poolKeyPrefix(prefix: string, pool: PoolName): string {
  const tagged = HASH_TAG.exec(prefix);
  if (!tagged) return prefix;
  const [, before = '', tag = '', after = ''] = tagged;
  return `${before}{${tag}:${pool}}${after}`;
}

/**
 * The SCAN patterns that cover every key under a prefix: its own keys, and under a hash tag
 * the pools' keys too (see {@link poolKeyPrefix}).
 */
export function prefixPatterns(prefix: string): string[] {
  const own = `${escapeGlob(prefix)}:*`;
  const tagged = HASH_TAG.exec(prefix);
  if (!tagged) return [own];
  const [, before = '', tag = '', after = ''] = tagged;
  return [own, `${escapeGlob(`${before}{${tag}:`)}*}${escapeGlob(after)}:*`];
}

/** `text` as a SCAN pattern that matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key under a prefix (pools' keys included) with SCAN + UNLINK (never
 * FLUSHALL: the Redis may be shared); on a Cluster, on every master. Returns how many keys
 * were deleted.
 */
export async function deleteKeysByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of prefixPatterns(prefix)) {
    // One key per UNLINK: on a Cluster the keys may be in several slots.
    const keys = await scanKeys(redis, pattern);
    const counts = await Promise.all(keys.map((key) => redis.unlink(key)));
    deleted += counts.reduce((sum, count) => sum + count, 0);
  }
  return deleted;
}

/** Every key matching a SCAN pattern; on a Cluster, on every master. */
export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const found = await Promise.all(nodes.map((node) => scanNode(node, pattern)));
  return found.flat();
}

async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}
