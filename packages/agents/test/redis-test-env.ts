import { randomUUID } from 'node:crypto';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-test-${name}-${randomUUID().slice(0, 8)}`;
}

export function testRedis(name: string) {
  return createRedis(REDIS_URL, 'worker', `test-${name}`);
}

export { deleteKeysByPrefix };
