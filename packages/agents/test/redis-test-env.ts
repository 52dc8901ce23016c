import { randomUUID } from 'node:crypto';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { startFakeOpenAi, type FakeOpenAi } from '../src/testing/fake-openai-server.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test file uses. */
export function uniquePrefix(name: string): string {
  return `agentq-test-${name}-${randomUUID().slice(0, 8)}`;
}

export function testRedis(name: string) {
  return createRedis(REDIS_URL, 'worker', `test-${name}`);
}

export { deleteKeysByPrefix };

/**
 * A fake OpenAI-compatible server and a Redis prefix for one test file, started before its
 * tests and closed (keys deleted) after them.
 */
export function useLlmTestEnv(name: string) {
  const env = {
    prefix: uniquePrefix(name),
    redis: testRedis(name),
    server: undefined as unknown as FakeOpenAi,
  };
  beforeAll(async () => {
    env.server = await startFakeOpenAi();
  });
  afterAll(async () => {
    await env.server.close();
    await deleteKeysByPrefix(env.redis, env.prefix);
    await env.redis.quit();
  });
  return env;
}
