import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { z } from 'zod';
import { RateLimitedError, type Agent } from '@agentq/agents';
import { queueName } from '@agentq/contracts';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import type { PoolWorker } from '../src/pool-worker.js';
import { REDIS_URL, poolWorker } from './pool-fixture.js';

const connection = createRedis(REDIS_URL, 'worker', 'test-rate');
const eventsConnection = createRedis(REDIS_URL, 'worker', 'test-rate-events');

const calls: number[] = [];
/** Told "429, come back in 300 ms" on its first call, fine after. */
const limitedAgent: Agent<unknown, unknown> = {
  name: 'test.limited',
  version: '1.0.0',
  description: 'rate-limited once',
  inputSchema: z.unknown(),
  run: () => {
    calls.push(Date.now());
    return calls.length === 1
      ? Promise.reject(new RateLimitedError('429 from the provider', 300))
      : Promise.resolve('ok');
  },
};

/** A worker, queue and events under a prefix of their own; closed and deleted by `end`. */
async function setUp(settings: Parameters<typeof poolWorker>[0]['settings']) {
  const prefix = `agentq-test-rate-${randomUUID().slice(0, 8)}`;
  const queue = new Queue(queueName('default'), { connection, prefix });
  const events = new QueueEvents(queueName('default'), { connection: eventsConnection, prefix });
  const worker: PoolWorker = poolWorker({ connection, prefix, agents: [limitedAgent], settings });
  await events.waitUntilReady();
  await worker.start();
  const end = async () => {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await deleteKeysByPrefix(connection, prefix);
  };
  return { queue, events, end };
}

afterAll(async () => {
  await Promise.all([connection, eventsConnection].map((client) => client.quit()));
});

describe('rate limits', () => {
  it('pauses the pool for the time the provider gives, without using an attempt', async () => {
    const { queue, events, end } = await setUp({});
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
      await end();
    }
  });

  it('starts at most max tasks per window across the pool', async () => {
    const { queue, events, end } = await setUp({ rateLimit: { max: 2, durationMs: 400 } });
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
      await end();
    }
  });
});
