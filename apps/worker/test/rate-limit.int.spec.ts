import type { Job } from 'bullmq';
import { RateLimitedError } from '@agentq/agents';
import type { PoolSettings } from '../src/config.js';
import { testAgent, testPool } from './pool-fixture.js';

const calls: number[] = [];
/** Told "429, come back in 300 ms" on its first call, fine after. */
const limitedAgent = testAgent('test.limited', () => {
  calls.push(Date.now());
  return calls.length === 1
    ? Promise.reject(new RateLimitedError('429 from the provider', 300))
    : Promise.resolve('ok');
});

/** A pool of its own for one test. */
async function setUp(settings: Partial<PoolSettings> = {}) {
  const pool = testPool('rate', { agents: [limitedAgent], settings });
  await pool.start();
  return pool;
}

describe('rate and concurrency limits', () => {
  it('pauses the pool for the time the provider gives, without using an attempt', async () => {
    const { queue, events, stop } = await setUp();
    try {
      const job = await queue.add(
        'test.limited',
        { v: 1, agent: 'test.limited', input: {}, tenant: 't' },
        { attempts: 1 },
      );
      // With one attempt, a pause that used it would fail the task.
      expect(await job.waitUntilFinished(events)).toBe('ok');
      expect(await queue.getJob(job.id ?? '')).toMatchObject({ attemptsMade: 1 });
      expect(calls).toHaveLength(2);
      expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(250);
    } finally {
      await stop();
    }
  });

  it('starts at most max tasks per window across the pool', async () => {
    const { queue, events, stop } = await setUp({ rateLimit: { max: 2, durationMs: 400 } });
    try {
      const jobs = await queue.addBulk(
        Array.from({ length: 6 }, (_, i) => ({
          name: 'echo',
          data: { v: 1, agent: 'echo', input: i, tenant: 't' },
        })),
      );
      await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
      const startedAt = (await Promise.all(jobs.map((job) => queue.getJob(job.id ?? ''))))
        .map((job: Job | undefined) => job?.processedOn ?? 0)
        .sort((a, b) => a - b);
      // Windows of 2: the 5th task cannot start before two windows have passed.
      expect((startedAt[4] ?? 0) - (startedAt[0] ?? 0)).toBeGreaterThanOrEqual(750);
    } finally {
      await stop();
    }
  });

  it('runs at most the global concurrency at once across the pool', async () => {
    const { queue, events, stop } = await setUp({ globalConcurrency: 1 });
    try {
      expect(await queue.getGlobalConcurrency()).toBe(1);
      const jobs = await queue.addBulk(
        [1, 2, 3].map((n) => ({
          name: 'sim',
          data: { v: 1, agent: 'sim', input: { latencyMs: 100, output: n }, tenant: 't' },
        })),
      );
      await Promise.all(jobs.map((job) => job.waitUntilFinished(events)));
      const runs = (await Promise.all(jobs.map((job) => queue.getJob(job.id ?? ''))))
        .map((job) => [job?.processedOn ?? 0, job?.finishedOn ?? 0] as const)
        .sort((a, b) => a[0] - b[0]);
      // The worker's own concurrency is 4; still no two ran at the same time.
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]?.[0]).toBeGreaterThanOrEqual(runs[i - 1]?.[1] ?? Infinity);
      }
    } finally {
      await stop();
    }
  });
});
