import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_URL } from './app-process.js';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-e2e-${name}-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a prefix (never FLUSHALL: Redis may be shared). */
export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
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
