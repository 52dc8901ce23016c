import { randomUUID } from 'node:crypto';
import { createRedis } from '../src/connection.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-test-${name}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a prefix (never FLUSHALL: Redis may be shared). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = createRedis(REDIS_URL, 'worker', 'test-cleanup');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
