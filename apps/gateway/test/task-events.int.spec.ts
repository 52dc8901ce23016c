import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Worker, type Queue } from 'bullmq';
import { queueName, type PoolName } from '@agentq/contracts';
import {
  closeRedis,
  createRedis,
  deleteKeysByPrefix,
  openTaskQueues,
  waitUntilReady,
} from '@agentq/queue';
import { loadConfig } from '../src/config.js';
import { isFinalChange, TaskEvents, type TaskChange } from '../src/events/task-events.service.js';
import { RedisProxy } from './redis-proxy.js';
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

/**
 * Queues a task once `events` listens to it; `queued` resolves when the reader delivered its
 * first change (the reader is reading), `final` with the type of its final change.
 */
async function queueListened(events: TaskEvents) {
  const taskId = randomUUID();
  let heardQueued = () => {};
  const queued = new Promise<void>((resolve) => (heardQueued = resolve));
  let heardFinal: (type: TaskChange['type']) => void = () => {};
  const final = new Promise<TaskChange['type']>((resolve) => (heardFinal = resolve));
  const unsubscribe = await events.subscribe(taskId, (change) => {
    if (change.type === 'waiting') heardQueued();
    if (isFinalChange(change) || change.type === 'closing') heardFinal(change.type);
  });
  await queue?.add('echo', {}, { jobId: taskId });
  return { taskId, queued, final: final.finally(unsubscribe) };
}

/** A worker of the default pool on a connection of its own, past any cut link. */
function defaultPoolWorker() {
  const direct = createRedis(REDIS_URL, 'worker', 'test-task-events-worker');
  const worker = new Worker(queueName('default'), () => Promise.resolve('done'), {
    connection: direct,
    prefix,
    autorun: false,
  });
  return {
    /** Runs the worker until it completed `taskId` (it also takes earlier tests' tasks). */
    complete: async (taskId: string) => {
      const completed = new Promise<void>((resolve) =>
        worker.on('completed', (job) => {
          if (job.id === taskId) resolve();
        }),
      );
      worker.run().catch(() => undefined);
      await completed;
    },
    close: async () => {
      await worker.close();
      await closeRedis(direct);
    },
  };
}

/**
 * Adds other tasks' events, as a busy pool would, then trims everything older: the events
 * so far go, the newer ones stay.
 */
async function trimKeepingNewer(): Promise<void> {
  const stream = `${prefix}:${queueName('default')}:events`;
  const firstKept = await redis.xadd(stream, '*', 'event', 'waiting', 'jobId', randomUUID());
  for (let i = 0; i < 2; i++) {
    await redis.xadd(stream, '*', 'event', 'waiting', 'jobId', randomUUID());
  }
  await redis.xtrim(stream, 'MINID', firstKept!);
}

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

  it('delivers the final changes its reader missed while away, trimmed from the stream', async () => {
    // Only the reader goes through the link: the service's own connection stays up.
    const link = await RedisProxy.create(REDIS_URL);
    const events = new TaskEvents(
      { ...config, redis: { kind: 'single', url: link.url } },
      logger,
      redis,
      queues,
    );
    const worker = defaultPoolWorker();
    try {
      const done = randomUUID();
      const gone = randomUUID();
      await queue?.add('echo', {}, { jobId: done });
      // Delayed, so the worker leaves it: it is removed instead.
      const removable = await queue?.add('echo', {}, { jobId: gone, delay: 3_600_000 });
      const heard = new Map<string, TaskChange['type']>();
      let allHeard = () => {};
      const bothFinal = new Promise<void>((resolve) => (allHeard = resolve));
      const listen = (taskId: string) =>
        events.subscribe(taskId, (change) => {
          if (change.type === 'completed' || change.type === 'removed')
            heard.set(taskId, change.type);
          if (heard.size === 2) allHeard();
        });
      const unsubscribe = [await listen(done), await listen(gone)];

      link.cut();
      await worker.complete(done);
      await removable?.remove();
      await redis.xtrim(`${prefix}:${queueName('default')}:events`, 'MAXLEN', 0);
      link.restore();

      await bothFinal;
      expect(Object.fromEntries(heard)).toEqual({ [done]: 'completed', [gone]: 'removed' });
      for (const release of unsubscribe) release();
    } finally {
      await worker.close();
      await events.onModuleDestroy();
      await link.close();
    }
  });

  it('delivers a final change trimmed while Redis was away, though newer events were kept', async () => {
    // The reader and the service's own connection go through the link, as in a gateway.
    const link = await RedisProxy.create(REDIS_URL);
    const own = createRedis(link.url, 'client', 'test-task-events-own');
    await waitUntilReady(own, 10_000);
    const events = new TaskEvents(
      { ...config, redis: { kind: 'single', url: link.url } },
      logger,
      own,
      queues,
    );
    const worker = defaultPoolWorker();
    try {
      const { taskId, queued, final } = await queueListened(events);
      await queued;
      link.cut();
      await worker.complete(taskId);
      await trimKeepingNewer();
      link.restore();
      // The reconnected reader re-sends its read from where it was and reads the kept
      // events, past the gap, before any check could compare that position with the stream.
      expect(await final).toBe('completed');
    } finally {
      await worker.close();
      await events.onModuleDestroy();
      await closeRedis(own);
      await link.close();
    }
  });

  it('delivers a final change trimmed before its connected reader read it', async () => {
    // The reader's link holds every byte meanwhile, as a slow or far-behind reader would.
    const proxy = await RedisProxy.create(REDIS_URL);
    const events = new TaskEvents(
      { ...config, redis: { kind: 'single', url: proxy.url }, sseKeepAliveMs: 100 },
      logger,
      redis,
      queues,
    );
    const worker = defaultPoolWorker();
    try {
      const { taskId, queued, final } = await queueListened(events);
      await queued;
      proxy.freeze();
      await worker.complete(taskId);
      await trimKeepingNewer();
      proxy.thaw();
      // No reconnect: only the keep-alive check can find the gap the reader read past.
      expect(await final).toBe('completed');
    } finally {
      await worker.close();
      await events.onModuleDestroy();
      await proxy.close();
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
