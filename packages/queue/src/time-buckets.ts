import type { RedisClient } from './connection.js';

/** The last `count` buckets of `bucketMs` up to `now` (its own included), oldest first. */
export function recentBuckets(count: number, bucketMs: number, now = Date.now()): number[] {
  const last = Math.floor(now / bucketMs);
  return Array.from({ length: count }, (_, i) => last - count + 1 + i);
}

/** Every hash's fields, in the order of `keys`, in one pipeline ({} for a missing one). */
export async function readHashes(
  redis: RedisClient,
  keys: readonly string[],
): Promise<Record<string, string>[]> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
  return keys.map((_, i) => (replies[i]?.[1] ?? {}) as Record<string, string>);
}
