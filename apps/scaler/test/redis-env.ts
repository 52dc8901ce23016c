import { randomUUID } from 'node:crypto';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-test-scaler-${name}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a prefix (never FLUSHALL: the Redis may be shared). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = createRedis(REDIS_URL, 'worker', 'test-cleanup');
  try {
    await deleteKeysByPrefix(redis, prefix);
  } finally {
    await redis.quit();
  }
}
