import { randomUUID } from 'node:crypto';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { REDIS_URL } from './app-process.js';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-e2e-${name}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a prefix (never FLUSHALL: Redis may be shared). */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = createRedis(url, 'worker', 'e2e-cleanup');
  try {
    await deleteKeysByPrefix(redis, prefix);
  } finally {
    await redis.quit();
  }
}
