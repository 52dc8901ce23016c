import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Queue } from 'bullmq';
import type { PoolName } from '@agentq/contracts';
import { createRedis, deleteKeysByPrefix, openTaskQueues } from '@agentq/queue';
import { loadConfig } from '../src/config.js';
import { TaskEvents, type TaskChange } from '../src/events/task-events.service.js';
import { REDIS_URL } from './gateway-harness.js';

const prefix = `agentq-test-task-events-${randomUUID().slice(0, 8)}`;
const config = loadConfig({ REDIS_URL, AGENTQ_PREFIX: prefix, AGENTQ_AUTH: 'off' });
const redis = createRedis(REDIS_URL, 'client', 'test-task-events');
let queues: Map<PoolName, Queue>;
let queue: Queue | undefined;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  ({ queues } = await openTaskQueues(
    config.pools,
    { connection: redis, prefix },
    10_000,
    () => undefined,
  ));
  queue = queues.get('default');
});

afterAll(async () => {
  await Promise.all([...queues.values()].map((q) => q.close()));
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

describe(TaskEvents.name, () => {
  it('delivers a change made right after subscribing, before its reader has read anything', async () => {
    const events = new TaskEvents(config, logger, redis, queues);
    try {
      // Events from before the first subscribe are not replayed.
      const earlier = await queue?.add('echo', {}, { jobId: 'before' });
      const taskId = randomUUID();
      const changes: TaskChange[] = [];
      let heard = () => {};
      const waiting = new Promise<void>((resolve) => (heard = resolve));
      const unsubscribe = await events.subscribe(taskId, (change) => {
        changes.push(change);
        heard();
      });
      const stale: TaskChange[] = [];
      const unsubscribeStale = await events.subscribe(earlier?.id ?? '', (change) =>
        stale.push(change),
      );
      // Queued at once: the reader's connection has not even sent its first XREAD yet.
      await queue?.add('echo', {}, { jobId: taskId });
      // A reader that started at the stream's end ('$') would miss it and hang here.
      await waiting;
      expect(changes).toEqual([{ type: 'waiting' }]);
      expect(stale).toEqual([]);
      unsubscribe();
      unsubscribeStale();
    } finally {
      await events.onModuleDestroy();
    }
  });

  it('refuses to subscribe while Redis is unreachable, and keeps no listener', async () => {
    const unreachable = createRedis('redis://127.0.0.1:1', 'client', 'test-task-events-down');
    const events = new TaskEvents(config, logger, unreachable, queues);
    try {
      const heard: TaskChange[] = [];
      await expect(events.subscribe('t', (change) => heard.push(change))).rejects.toThrow();
      // Shutdown tells every listener still registered: the refused one is not.
      await events.onModuleDestroy();
      expect(heard).toEqual([]);
    } finally {
      unreachable.disconnect();
    }
  });

  it('answers at once with the closing change once shut down, opening nothing', async () => {
    const events = new TaskEvents(config, logger, redis, queues);
    await events.onModuleDestroy();
    const { finished, cancel } = await events.nextFinal('any');
    await finished;
    cancel();
  });
});
