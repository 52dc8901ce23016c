import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { decide, emptyHistory } from '../src/decide.js';
import { DECISION_LOG_SIZE, DecisionStore, type DecisionRecord } from '../src/decision-store.js';
import { testObservation, testPolicy } from './fixtures/policy.js';
import { REDIS_URL, uniquePrefix } from './redis-env.js';

const prefix = uniquePrefix('decisions');
const redis = createRedis(REDIS_URL, 'worker', 'test-decisions');

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

function record(pool: string, current: number, at: number): DecisionRecord {
  const { decision } = decide(
    { observation: testObservation(), current, scheduledMin: 0, pinned: undefined, now: at },
    testPolicy,
    emptyHistory,
  );
  return { ...decision, at: new Date(at).toISOString(), pool, fencingToken: 3 };
}

describe(DecisionStore.name, () => {
  it('keeps the latest decision per pool for a while, and the last 100 of all pools', async () => {
    const store = new DecisionStore(redis, prefix, 60_000);
    expect(await store.latest('default')).toBeUndefined();
    expect(await store.recent()).toEqual([]);
    for (let i = 0; i < DECISION_LOG_SIZE + 20; i++) {
      await store.write(record(i % 2 === 0 ? 'default' : 'gpu', i % 5, i * 1000));
    }
    const last = record('gpu', (DECISION_LOG_SIZE + 19) % 5, (DECISION_LOG_SIZE + 19) * 1000);
    expect(await store.latest('gpu')).toEqual(last);
    expect((await store.latest('default'))?.at).toBe(
      new Date((DECISION_LOG_SIZE + 18) * 1000).toISOString(),
    );
    const ttl = await redis.pttl(`${prefix}:scaler:desired:default`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);

    const recent = await store.recent();
    expect(recent).toHaveLength(DECISION_LOG_SIZE);
    expect(recent[0]?.at).toBe(new Date(20 * 1000).toISOString());
    expect(recent.at(-1)).toEqual(last);
  });
});
