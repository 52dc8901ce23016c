import type { Job } from 'bullmq';
import { RateLimitedError } from '@agentq/agents';
import type { PoolSettings } from '../src/config.js';
import { testAgent, testPool } from './pool-fixture.js';

/** An agent told "429, come back in `retryAfterMs`" on its first call, fine after; with its calls. */
function limitedAgent(retryAfterMs: number) {
  const calls: number[] = [];
  const agent = testAgent('test.limited', () => {
    calls.push(Date.now());
    return calls.length === 1
      ? Promise.reject(new RateLimitedError('429 from the provider', retryAfterMs))
      : Promise.resolve('ok');
  });
  return { agent, calls };
}

/** A pool of its own for one test. */
async function setUp(settings: Partial<PoolSettings> = {}, retryAfterMs = 400) {
  const limited = limitedAgent(retryAfterMs);
  const pool = testPool('rate', { agents: [limited.agent], settings });
  await pool.start();
  return { ...pool, calls: limited.calls };
}

const limitedTask = { v: 1, agent: 'test.limited', input: {}, tenant: 't' };
const echoTask = { v: 1, agent: 'echo', input: {}, tenant: 't' };

describe('rate and concurrency limits', () => {
  it('delays a task told to come back later, using no attempt', async () => {
    const { queue, events, stop, calls } = await setUp();
    try {
      // With one attempt, a delay that used it would fail the task.
      const limited = await queue.add('test.limited', limitedTask, { attempts: 1 });
      expect(await limited.waitUntilFinished(events)).toBe('ok');
      expect(calls).toHaveLength(2);
      expect((calls[1] ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(350);
      expect(await queue.getJob(limited.id ?? '')).toMatchObject({ attemptsMade: 1 });
    } finally {
      await stop();
    }
  });

  it('gives an attempt up once its holds pass its time limit, so a task is never held for ever', async () => {
    const calls: number[] = [];
    const alwaysLimited = testAgent('test.always-limited', () => {
      calls.push(Date.now());
      return Promise.reject(
        new RateLimitedError('429 from the provider', 200, { reason: 'provider-429' }),
      );
    });
    const pool = testPool('hold', { agents: [alwaysLimited] });
    await pool.start();
    try {
      const task = { v: 1, agent: 'test.always-limited', input: {}, tenant: 't', timeoutMs: 1000 };
      const job = await pool.queue.add('test.always-limited', task, { attempts: 1 });
      await expect(job.waitUntilFinished(pool.events)).rejects.toThrow(
        /\[PROVIDER_RATE_LIMITED\] held back \d+ ms \(provider-429\), more than the 1000 ms/,
      );
      // Waits of 200 ms (+ jitter) within 1000 ms: a handful of calls, then no more.
      expect(calls.length).toBeGreaterThanOrEqual(2);
      expect(calls.length).toBeLessThanOrEqual(6);
    } finally {
      await pool.stop();
    }
  });

  it('runs the rest of a pool without a rate limit while one task waits', async () => {
    // Long enough for another task to run meanwhile on a loaded machine.
    const { queue, events, stop, calls } = await setUp({}, 3000);
    try {
      const delayed = new Promise<void>((resolve) =>
        events.on('delayed', ({ jobId }) => jobId === 'limited' && resolve()),
      );
      const limited = await queue.add('test.limited', limitedTask, { jobId: 'limited' });
      await delayed;
      const echo = await queue.add('echo', echoTask);
      await echo.waitUntilFinished(events);
      // The echo task ran while the limited one was still waiting for its second call.
      expect(calls).toHaveLength(1);
      await limited.waitUntilFinished(events);
    } finally {
      await stop();
    }
  });

  it('pauses a pool with a rate limit of its own as a whole, using no attempt', async () => {
    const { queue, events, stop, calls } = await setUp({
      rateLimit: { max: 1000, durationMs: 1000 },
    });
    try {
      const backToWait = new Promise<void>((resolve) =>
        events.on(
          'waiting',
          ({ jobId, prev }) => jobId === 'limited' && prev === 'active' && resolve(),
        ),
      );
      const limited = await queue.add('test.limited', limitedTask, {
        attempts: 1,
        jobId: 'limited',
      });
      await backToWait;
      const echo = await queue.add('echo', echoTask);
      await Promise.all([limited, echo].map((job) => job.waitUntilFinished(events)));
      const started = await queue.getJob(echo.id ?? '');
      // Nothing of the pool started before the 400 ms were over.
      expect((started?.processedOn ?? 0) - (calls[0] ?? 0)).toBeGreaterThanOrEqual(350);
      expect(await queue.getJob(limited.id ?? '')).toMatchObject({ attemptsMade: 1 });
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
