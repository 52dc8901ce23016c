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
    it('answers a cancel it heard without the marker key', async () => {
      const id = randomUUID();
      await heard(id);
      await connection.del(`${prefix}:cancelled:${id}`);
      expect(await listener.isRequested(id, Date.now())).toBe(true);
    });

    it('reads the marker key for a task submitted before it subscribed', async () => {
      const id = randomUUID();
      await requestCancel(connection, prefix, id);
      expect(await listener.isRequested(id, Date.now() - 3_600_000)).toBe(true);
      expect(await listener.isRequested(randomUUID(), Date.now() - 3_600_000)).toBe(false);
    });

    it('trusts what it heard for a task submitted while it listened', async () => {
      // A marker with no message can only come from before the subscription: a task
      // submitted later is not looked up.
      const id = randomUUID();
      await connection.set(`${prefix}:cancelled:${id}`, '1', 'EX', 60);
      expect(await listener.isRequested(id, Date.now() + 120_000)).toBe(false);
    });

    it('reads the marker key again while the subscription is down', async () => {
      const id = randomUUID();
      await connection.set(`${prefix}:cancelled:${id}`, '1', 'EX', 60);
      const reconnected = new Promise<void>((resolve) => subscriber.once('ready', resolve));
      const closed = new Promise<void>((resolve) => subscriber.once('close', resolve));
      subscriber.disconnect(true);
      await closed;
      expect(await listener.isRequested(id, Date.now() + 120_000)).toBe(true);
      await reconnected;
    });
  });
});
