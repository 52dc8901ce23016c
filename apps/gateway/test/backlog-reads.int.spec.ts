import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Priority, queueName } from '@agentq/contracts';
import { createRedis, deleteKeysByPrefix } from '@agentq/queue';
import { BacklogReads } from '../src/admission/backlog-reads.js';
import { REDIS_URL } from './gateway-harness.js';

const prefix = `agentq-test-backlog-${randomUUID().slice(0, 8)}`;
const redis = createRedis(REDIS_URL, 'client', 'test-backlog-reads');
const queue = new Queue(queueName('default'), { connection: redis, prefix });

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

const addHigh = (reads: BacklogReads, count: number) =>
  Promise.all(
    Array.from({ length: count }, async () => {
      await queue.add('echo', {}, { priority: Priority.high });
      reads.noteEnqueued('default', 'high', 1);
    }),
  );

describe(BacklogReads.name, () => {
  it('never counts fewer of its own tasks than are queued, however recent the read it reuses', async () => {
    const reads = new BacklogReads(new Map([['default', queue]]));
    expect(await reads.estimate('default', 'high')).toBe(0);
    for (const burst of [1, 3, 5]) {
      // Read while adding, then right after: each estimate may reuse an earlier read, and
      // must still see every task already queued.
      await Promise.all([reads.estimate('default', 'high'), addHigh(reads, burst)]);
      const queued = (await queue.getCountsPerPriority([Priority.high]))[Priority.high] ?? 0;
      expect(await reads.estimate('default', 'high')).toBeGreaterThanOrEqual(queued);
    }
  });

  it('keeps levels and pools apart', async () => {
    const reads = new BacklogReads(new Map([['default', queue]]));
    await queue.add('echo', {}, { priority: Priority.low });
    expect(await reads.estimate('default', 'low')).toBe(1);
    expect(await reads.estimate('default', 'critical')).toBe(0);
    expect(await reads.estimate('large', 'low')).toBe(0);
  });
});
