import { QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { createRedis, createTaskQueue, deleteKeysByPrefix, formatWorkerName } from '@agentq/queue';
import { queueName } from '@agentq/contracts';
import { readBusyWorkers, readPool, type PoolReading } from '../src/observe.js';
import { REDIS_URL, uniquePrefix } from './redis-env.js';

const prefix = uniquePrefix('observe');
const redis = createRedis(REDIS_URL, 'worker', 'test-observe');
const queue = createTaskQueue('default', { connection: redis, prefix });

afterAll(async () => {
  await queue.close();
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

describe(readPool.name, () => {
  it('reads counts, due delayed tasks, the head-of-line wait, durations and workers', async () => {
    const before = Date.now();
    // Three finish first, so there are durations to sample.
    await queue.addBulk([1, 2, 3].map((i) => ({ name: 'sim', data: { i } })));
    const connection = createRedis(REDIS_URL, 'worker', 'test-observe-worker');
    const worker = new Worker(
      queueName('default'),
      () => new Promise((resolve) => setTimeout(resolve, 20)),
      { connection, prefix, autorun: false },
    );
    const done = new Promise<void>((resolve) => {
      let count = 0;
      worker.on('completed', () => ++count === 3 && resolve());
    });
    void worker.run();
    await done;
    await worker.close();
    await connection.quit();

    const waitingSince = Date.now();
    await queue.add('sim', {}, { priority: 3, timestamp: waitingSince - 5000 });
    await queue.add('sim', {}, { priority: 1 });
    await queue.add('sim', {}, { delay: 60_000 });
    await queue.add('sim', {}, { delay: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));

    const now = Date.now();
    const reading = await readPool('default', queue, redis, now, before - 1, 10);
    expect(reading).toMatchObject({
      prioritized: 2,
      delayedDue: 1,
      delayedLater: 1,
      active: 0,
      completedSince: 3,
      failedSince: 0,
      workerSlots: [],
    });
    expect(reading.durationsMs).toHaveLength(3);
    for (const ms of reading.durationsMs) expect(ms).toBeGreaterThanOrEqual(15);
    // The head of the priority set is the priority-1 task, added just now.
    expect(now - (reading.oldestWaitingSince ?? 0)).toBeLessThan(5000);

    const nothingSince = await readPool('default', queue, redis, Date.now(), Date.now(), 10);
    expect(nothingSince.completedSince).toBe(0);
  });

  it('makes the same number of Redis calls for 10 and for 2,000 waiting tasks', async () => {
    const calls = async () => {
      // Every command, pipelined or not, goes through sendCommand.
      const original = redis.sendCommand.bind(redis);
      let count = 0;
      redis.sendCommand = (...args: Parameters<typeof original>) => {
        count++;
        return original(...args);
      };
      try {
        await readPool('default', queue, redis, Date.now(), Date.now() - 1000, 10);
      } finally {
        redis.sendCommand = original;
      }
      return count;
    };
    await queue.addBulk(Array.from({ length: 10 }, () => ({ name: 'sim', data: {} })));
    const few = await calls();
    await queue.addBulk(Array.from({ length: 2000 }, () => ({ name: 'sim', data: {} })));
    const many = await calls();
    expect(many).toBe(few);
    expect(few).toBeLessThanOrEqual(4 + 7 + 2 + 10);
  });

  it('reads the error codes of the tasks failed since the last tick', async () => {
    const failPrefix = uniquePrefix('observe-failed');
    const failQueue = createTaskQueue('default', { connection: redis, prefix: failPrefix });
    const connection = createRedis(REDIS_URL, 'worker', 'test-observe-failing');
    const worker = new Worker(
      queueName('default'),
      (job): Promise<void> =>
        Promise.reject(new UnrecoverableError((job.data as { reason: string }).reason)),
      { connection, prefix: failPrefix, autorun: false },
    );
    const failed = new Promise<void>((resolve) => {
      let count = 0;
      worker.on('failed', () => ++count === 3 && resolve());
    });
    const since = Date.now() - 1;
    await failQueue.addBulk(
      ['[CANCELLED] cancelled by the client', '[TIMEOUT] timed out after 5 ms', 'plain'].map(
        (reason) => ({ name: 'sim', data: { reason }, opts: { attempts: 1 } }),
      ),
    );
    void worker.run();
    await failed;
    const reading = await readPool('default', failQueue, redis, Date.now(), since, 10);
    expect(reading.failedSince).toBe(3);
    expect([...reading.failureCodes].sort()).toEqual(['AGENT_FAILED', 'CANCELLED', 'TIMEOUT']);
    const sampled = await readPool('default', failQueue, redis, Date.now(), since, 2);
    expect(sampled.failureCodes).toHaveLength(2);
    await worker.close();
    await connection.quit();
    await failQueue.close();
    await deleteKeysByPrefix(redis, failPrefix);
  });

  it('tells how many tasks each named worker runs, or that it cannot tell', async () => {
    const busyPrefix = uniquePrefix('busy');
    const busyQueue = createTaskQueue('default', { connection: redis, prefix: busyPrefix });
    const connection = createRedis(REDIS_URL, 'worker', 'test-busy-worker');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    /** Starts a worker; resolves once it runs `tasks` tasks. */
    const start = (name: string | undefined, tasks: number) => {
      const worker = new Worker(queueName('default'), () => held, {
        connection,
        prefix: busyPrefix,
        name,
        autorun: false,
        concurrency: 2,
      });
      let active = 0;
      const running = new Promise<void>((resolve) =>
        worker.on('active', () => ++active === tasks && resolve()),
      );
      void worker.run();
      return { worker, running };
    };
    await busyQueue.addBulk([1, 2].map(() => ({ name: 'sim', data: {} })));
    // Named as agentq's workers are: the name it was given, then pid, pools and slots.
    const named = start(
      formatWorkerName({ identity: 'pod-a', pid: 7, slots: new Map([['default', 2]]) }),
      2,
    );
    await named.running;
    expect(await readBusyWorkers(busyQueue, redis, 100)).toEqual(new Map([['pod-a', 2]]));
    const reading = await readPool('default', busyQueue, redis, Date.now(), Date.now(), 1);
    expect(reading.workerSlots).toEqual([2]);
    // More active tasks than it may read: it cannot tell who else is busy.
    expect(await readBusyWorkers(busyQueue, redis, 1)).toBeUndefined();

    await busyQueue.add('sim', {});
    const unnamed = start(undefined, 1);
    await unnamed.running;
    expect(await readBusyWorkers(busyQueue, redis, 100)).toBeUndefined();
    // A worker whose name tells no slots: undefined (the scaler counts its own concurrency).
    const both = await readPool('default', busyQueue, redis, Date.now(), Date.now(), 1);
    expect(both.workerSlots.sort()).toEqual([2, undefined]);

    release();
    await Promise.all([named.worker.close(), unnamed.worker.close()]);
    await connection.quit();
    await busyQueue.close();
    await deleteKeysByPrefix(redis, busyPrefix);
  });

  it('counts a worker idle once its task went back to the queue (pool rate-limited)', async () => {
    const limitPrefix = uniquePrefix('busy-limit');
    const limitQueue = createTaskQueue('default', { connection: redis, prefix: limitPrefix });
    const connection = createRedis(REDIS_URL, 'worker', 'test-busy-limited');
    const eventsConnection = createRedis(REDIS_URL, 'worker', 'test-busy-events');
    const events = new QueueEvents(queueName('default'), {
      connection: eventsConnection,
      prefix: limitPrefix,
    });
    await events.waitUntilReady();
    let reading: Promise<Map<string, number> | undefined> | undefined;
    let slots: Promise<PoolReading> | undefined;
    const worker: Worker = new Worker(
      queueName('default'),
      async (): Promise<void> => {
        // While the task runs, its worker is busy; then the pool pauses and it goes back.
        reading = readBusyWorkers(limitQueue, redis, 100);
        slots = readPool('default', limitQueue, redis, Date.now(), Date.now(), 1);
        await Promise.all([reading, slots]);
        await worker.rateLimit(60_000);
        throw Worker.RateLimitError();
      },
      { connection, prefix: limitPrefix, name: 'pod-r', limiter: { max: 100, duration: 1000 } },
    );
    const job = await limitQueue.add('sim', {});
    const backInQueue = new Promise<void>((resolve) =>
      events.on('waiting', ({ jobId, prev }) => jobId === job.id && prev === 'active' && resolve()),
    );
    await backInQueue;
    expect(await reading).toEqual(new Map([['pod-r', 1]]));
    // Named, but not as agentq names its workers: its slots are unknown.
    expect((await slots)?.workerSlots).toEqual([undefined]);
    expect(await readBusyWorkers(limitQueue, redis, 100)).toEqual(new Map());
    await worker.close();
    await events.close();
    await Promise.all([connection.quit(), eventsConnection.quit()]);
    await limitQueue.close();
    await deleteKeysByPrefix(redis, limitPrefix);
  });
});
