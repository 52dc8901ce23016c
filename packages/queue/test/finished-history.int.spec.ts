import { createRedis } from '../src/connection.js';
import {
  DEFAULT_FINISHED_RECORD_LIMITS,
  FinishedTasks,
  readFinished,
  readFinishedHistory,
} from '../src/finished-tasks.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('finished-history');
const redis = createRedis(REDIS_URL, 'worker', 'test-finished-history');
const errors: unknown[] = [];
const finished = new FinishedTasks(redis, prefix, DEFAULT_FINISHED_RECORD_LIMITS, (err) =>
  errors.push(err),
);

afterAll(async () => {
  await deletePrefix(prefix);
  await redis.quit();
});

const HOUR = 3_600_000;
const hour = (n: number, offsetMs = 0) => (500_000 + n) * HOUR + offsetMs;

describe('finished tasks per hour', () => {
  it("counts each tenant's tasks by how they ended, per hour, beside their records", async () => {
    finished.add('acme', 't1', 'completed', hour(0, 10));
    finished.add('acme', 't2', 'completed', hour(0, 20));
    finished.add('acme', 't3', 'failed', hour(0, 30));
    finished.add('zeta', 't4', 'cancelled', hour(2, 40));
    await finished.flush();
    expect(errors).toEqual([]);
    expect(await readFinished(redis, prefix, 'acme', 't3')).toEqual({
      finishedAt: hour(0, 30),
      state: 'failed',
    });

    const history = await readFinishedHistory(redis, prefix, 3, { now: hour(2, 1) });
    expect(history.map((h) => h.at)).toEqual([0, 1, 2].map((n) => new Date(hour(n)).toISOString()));
    expect(history[0]?.tenants).toEqual([
      { tenant: 'acme', completed: 2, failed: 1, cancelled: 0 },
    ]);
    expect(history[1]?.tenants).toEqual([]);
    expect(history[2]?.tenants).toEqual([
      { tenant: 'zeta', completed: 0, failed: 0, cancelled: 1 },
    ]);
    const own = await readFinishedHistory(redis, prefix, 3, { tenant: 'zeta', now: hour(2) });
    expect(own.flatMap((h) => h.tenants.map((t) => t.tenant))).toEqual(['zeta']);
  });
});
