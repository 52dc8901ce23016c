import { randomUUID } from 'node:crypto';
import { TaskSpecSchema, type TaskJobData } from '@agentq/contracts';
import { createRedis, listDeadLetters, requestCancel, taskJobOptions } from '@agentq/queue';
import { CancelListener, type Cancellable } from '../src/cancel-listener.js';
import { REDIS_URL, testAgent, testPool } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

const started = new Map<string, () => void>();
const runs: string[] = [];
/** Runs until its signal aborts; tells the test when it has started. */
const waitingAgent = testAgent('test.waits', (_input, ctx) => {
  runs.push(ctx.taskId);
  started.get(ctx.taskId)?.();
  return new Promise((_, reject) =>
    ctx.signal.addEventListener('abort', () => reject(new Error('aborted by signal'))),
  );
});

const logs = new LogCapture();
// As in main.ts: the processor asks the listener, and the listener aborts on the worker.
const targets: Cancellable[] = [];
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');
const pool = testPool('cancel', {
  agents: [waitingAgent],
  logger: logs.logger,
  cancels: { isRequested: (taskId, createdAt) => listener.isRequested(taskId, createdAt) },
});
const { connection, prefix } = pool;
const listener = new CancelListener({
  subscriber,
  redis: connection,
  prefix,
  targets,
  logger: logs.logger,
});
targets.push(pool.worker);

beforeAll(async () => {
  await listener.start();
  await pool.start();
});
afterAll(async () => {
  await listener.close();
  await subscriber.quit();
  await pool.stop();
});

function add(id: string) {
  const spec = TaskSpecSchema.parse({ agent: 'test.waits', attempts: 5 });
  const data: TaskJobData = { v: 1, agent: spec.agent, input: {}, tenant: 't' };
  return pool.queue.add('test.waits', data, taskJobOptions(spec, id));
}

/** Resolves once the listener has received the published cancel of `taskId`. */
async function heard(taskId: string): Promise<void> {
  const probe = createRedis(REDIS_URL, 'worker', 'test-cancel-probe');
  try {
    await requestCancel(probe, prefix, taskId);
    // Pub/sub delivery is asynchronous: a ping on the subscriber connection returns after it.
    await subscriber.ping();
  } finally {
    await probe.quit();
  }
}

describe(CancelListener.name, () => {
  it('aborts a running task, which ends cancelled without a retry or a dead letter', async () => {
    const id = randomUUID();
    const running = new Promise<void>((resolve) => started.set(id, resolve));
    const job = await add(id);
    await running;
    await requestCancel(connection, prefix, id);

    expect(await pool.settle(job)).toMatchObject({
      state: 'cancelled',
      attemptsMade: 1,
      error: { code: 'CANCELLED', message: 'task cancelled' },
    });
    await logs.waitFor('task settled', { taskId: id });
    expect((await listDeadLetters(connection, prefix, { offset: 0, limit: 10 })).total).toBe(0);
  });

  it('does not start a task cancelled before a worker fetched it', async () => {
    const id = randomUUID();
    await requestCancel(connection, prefix, id);
    const job = await add(id);

    expect(await pool.settle(job)).toMatchObject({
      state: 'cancelled',
      attemptsMade: 1,
      error: { code: 'CANCELLED', message: 'task cancelled before it started' },
    });
    expect(runs).not.toContain(id);
  });

  describe('isRequested', () => {
    const cancels = `${prefix}:cancels`;

    it('answers a cancel it heard without asking Redis', async () => {
      const id = randomUUID();
      await heard(id);
      await connection.zrem(cancels, id);
      expect(listener.isRequested(id, Date.now())).toBe(true);
    });

    it('knows, without asking Redis, the cancels made before it subscribed', async () => {
      const before = randomUUID();
      await requestCancel(connection, prefix, before);
      const late = createRedis(REDIS_URL, 'worker', 'test-cancel-late');
      const lateListener = new CancelListener({
        subscriber: late,
        redis: connection,
        prefix,
        targets: [],
        logger: logs.logger,
      });
      try {
        await lateListener.start();
        const anHourAgo = Date.now() - 3_600_000;
        expect(lateListener.isRequested(before, anHourAgo)).toBe(true);
        expect(lateListener.isRequested(randomUUID(), anHourAgo)).toBe(false);
      } finally {
        await lateListener.close();
        await late.quit();
      }
    });

    it('trusts what it loaded and heard: a record it never heard of is not looked up', async () => {
      // Written behind its back (no message): only a check that asks Redis would see it.
      const id = randomUUID();
      await connection.zadd(cancels, Date.now(), id);
      expect(listener.isRequested(id, Date.now() - 3_600_000)).toBe(false);
    });

    it('asks Redis while the subscription is down, and loads what it missed once back', async () => {
      const id = randomUUID();
      const reconnected = new Promise<void>((resolve) => subscriber.once('ready', resolve));
      const closed = new Promise<void>((resolve) => subscriber.once('close', resolve));
      subscriber.disconnect(true);
      await closed;
      // Cancelled while this listener could not hear it.
      await connection.zadd(cancels, Date.now(), id);
      expect(await listener.isRequested(id, Date.now())).toBe(true);
      await reconnected;
      await listener.loaded();
      // The reload after the reconnect brought it in: no need to ask Redis any more.
      await connection.zrem(cancels, id);
      expect(listener.isRequested(id, Date.now())).toBe(true);
    });
  });
});
