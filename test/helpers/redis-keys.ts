import { randomUUID } from 'node:crypto';
import { createRedis, deleteKeysByPrefix, type RedisTarget } from '@agentq/queue';
import { TEST_CLUSTER_NODES, TEST_REDIS } from './app-process.js';

/** A key prefix no other test file uses; a hash tag when the run is on a cluster. */
export function uniquePrefix(name: string): string {
  const prefix = `agentq-e2e-${name}-${randomUUID().slice(0, 8)}`;
  return TEST_CLUSTER_NODES ? `{${prefix}}` : prefix;
}

/** Deletes every key under a prefix (never FLUSHALL: Redis may be shared). */
export async function deletePrefix(
  prefix: string,
  redisTarget: RedisTarget | string = TEST_REDIS,
): Promise<void> {
  const redis = createRedis(redisTarget, 'worker', 'e2e-cleanup');
  try {
    await deleteKeysByPrefix(redis, prefix);
  } finally {
    await redis.quit();
  }
}
