import { randomUUID } from 'node:crypto';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-test-scaler-${name}-${randomUUID().slice(0, 8)}`;
}
