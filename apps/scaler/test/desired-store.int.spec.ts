import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { DesiredStore } from '../src/desired-store.js';
import { REDIS_URL, uniquePrefix } from './redis-env.js';

const prefix = uniquePrefix('desired');
const redis = createRedis(REDIS_URL, 'worker', 'test-desired');

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

describe(DesiredStore.name, () => {
  it('shares the latest decision of a pool, for a limited time', async () => {
    const store = new DesiredStore(redis, prefix, 60_000);
    expect(await store.read('default')).toBeUndefined();
    const decision = {
      pool: 'default',
      desired: 4,
      current: 2,
      at: new Date().toISOString(),
      fencingToken: 3,
    };
    await store.write(decision);
    await store.write({ ...decision, desired: 5 });
    expect(await store.read('default')).toEqual({ ...decision, desired: 5 });
    const ttl = await redis.pttl(`${prefix}:scaler:desired:default`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
