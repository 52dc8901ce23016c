import { createRedis } from '../src/connection.js';
import {
  PoolRollups,
  START_LATENCY_BOUNDS_MS,
  latencyBucket,
  latencyPercentiles,
  readPoolHistory,
} from '../src/pool-rollup.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('rollup');
const redis = createRedis(REDIS_URL, 'worker', 'test-rollup');
const errors: unknown[] = [];
const rollups = new PoolRollups(redis, prefix, (err) => errors.push(err));

afterAll(async () => {
  await deletePrefix(prefix);
  await redis.quit();
});

/** Minute `n` of the test's own clock, plus `offsetMs` into it. */
const minute = (n: number, offsetMs = 0) => (29_000_000 + n) * 60_000 + offsetMs;

describe('pool rollups', () => {
  it('answers every minute of the window per pool, oldest first, zeros where nothing ran', async () => {
    rollups.started('default', 40, minute(0, 1_000));
    rollups.started('default', 40, minute(0, 2_000));
    rollups.started('default', undefined, minute(0, 3_000)); // a retry: no latency
    rollups.count('default', 'completed', minute(0, 4_000));
    rollups.count('default', 'retried', minute(0, 5_000));
    rollups.count('default', 'failed', minute(2, 0));
    rollups.started('large', 4_000, minute(2, 59_999));
    await rollups.flush();
    expect(errors).toEqual([]);

    const view = await readPoolHistory(redis, prefix, ['default', 'large'], 3, minute(2, 30_000));
    const [pool, large] = view.pools;
    expect(pool?.pool).toBe('default');
    expect(pool?.minutes.map((m) => m.at)).toEqual(
      [0, 1, 2].map((n) => new Date(minute(n)).toISOString()),
    );
    expect(pool?.minutes[0]).toMatchObject({ started: 3, completed: 1, retried: 1, failed: 0 });
    expect(pool?.minutes[0]?.startLatencyMs).toEqual({ p50: 50, p95: 50, p99: 50 });
    expect(pool?.minutes[1]).toMatchObject({
      started: 0,
      completed: 0,
      startLatencyMs: { p50: null, p95: null, p99: null },
    });
    expect(pool?.minutes[2]).toMatchObject({ failed: 1, started: 0 });
    expect(large?.minutes[2]).toMatchObject({ started: 1, startLatencyMs: { p50: 5_000 } });
  });

  it('adds the counts of several writers to the same minute', async () => {
    const other = new PoolRollups(redis, prefix, (err) => errors.push(err));
    rollups.count('gpu', 'completed', minute(5));
    other.count('gpu', 'completed', minute(5, 10));
    await Promise.all([rollups.flush(), other.flush()]);
    const view = await readPoolHistory(redis, prefix, ['gpu'], 1, minute(5));
    expect(view.pools[0]?.minutes[0]?.completed).toBe(2);
  });

  it('reads percentiles as the bound of the bucket that holds the rank', () => {
    const buckets = START_LATENCY_BOUNDS_MS.map(() => 0);
    buckets[latencyBucket(3)] = 90; // ≤ 5 ms
    buckets[latencyBucket(700)] = 9; // ≤ 1 s
    buckets[latencyBucket(10 * 3_600_000)] = 1; // past the last bound: counted in it
    expect(latencyPercentiles(buckets)).toEqual({ p50: 5, p95: 1_000, p99: 1_000 });
    buckets[latencyBucket(700)] = 8;
    buckets[latencyBucket(10 * 3_600_000)] = 2;
    expect(latencyPercentiles(buckets).p99).toBe(3_600_000);
  });
});
