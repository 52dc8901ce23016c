import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { decide, emptyHistory } from '../src/decide.js';
import { DecisionHistory } from '../src/decision-history.js';
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

  it('keeps only changes, pages them newest first by pool or across pools', async () => {
    const history = new DecisionHistory(redis, `${prefix}:paged`, {
      retentionMs: 3600_000,
      maxEntries: 1000,
    });
    const store = new DecisionStore(redis, `${prefix}:paged`, 60_000, (multi, r) =>
      history.append(multi, r),
    );
    // current 1 → the policy wants more (a change); current 3 with this load: no change.
    const changes: DecisionRecord[] = [];
    for (let i = 0; i < 7; i++) {
      const change = record(i % 2 === 0 ? 'default' : 'gpu', 0, i * 1000);
      expect(change.direction).not.toBe('none');
      changes.push(change);
      await store.write(change);
      const still = { ...change, current: change.desired, direction: 'none' as const };
      await store.write(still);
    }
    const first = await history.page({ limit: 3 });
    expect(first.decisions).toEqual(changes.slice(4).reverse());
    expect(first.next).toMatch(/^\d+-\d+$/);
    const second = await history.page({ limit: 3, before: first.next ?? '' });
    expect(second.decisions).toEqual(changes.slice(1, 4).reverse());
    const last = await history.page({ limit: 3, before: second.next ?? '' });
    expect(last).toEqual({ decisions: [changes[0]], next: null });

    const gpu = await history.page({ pool: 'gpu', limit: 10 });
    expect(gpu).toEqual({
      decisions: changes.filter((c) => c.pool === 'gpu').reverse(),
      next: null,
    });
  });

  it('forgets changes older than the retention, and keeps at most the cap', async () => {
    let now = Date.now();
    const history = new DecisionHistory(
      redis,
      `${prefix}:retention`,
      { retentionMs: 60_000, maxEntries: 5 },
      () => now,
    );
    const store = new DecisionStore(redis, `${prefix}:retention`, 60_000, (multi, r) =>
      history.append(multi, r),
    );
    const first = record('default', 0, 0);
    await store.write(first);
    expect((await history.page({ limit: 10 })).decisions).toEqual([first]);
    // A day later nothing was written: the read alone no longer shows it.
    now += 24 * 3600_000;
    expect(await history.page({ limit: 10 })).toEqual({ decisions: [], next: null });
    now = Date.now();

    // What a leader wrote a day ago is trimmed from Redis by the next write.
    const key = `${prefix}:retention:scaler:history`;
    await redis.del(key);
    await redis.xadd(key, `${now - 24 * 3600_000}-0`, 'd', JSON.stringify(first));
    const fresh = record('default', 0, 1);
    await store.write(fresh);
    expect(await redis.xlen(key)).toBe(1);

    // However many changes come, each stream keeps the cap.
    const burst = Array.from({ length: 8 }, (_, i) => record('default', 0, i + 2));
    for (const change of burst) await store.write(change);
    expect(await redis.xlen(key)).toBe(5);
    expect(await redis.xlen(`${key}:default`)).toBe(5);
    expect((await history.page({ limit: 10 })).decisions).toEqual(burst.slice(3).reverse());
  });
});
