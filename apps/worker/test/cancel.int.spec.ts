import { randomUUID } from 'node:crypto';
import { TaskSpecSchema, type TaskJobData } from '@agentq/contracts';
import { createRedis, listDeadLetters, requestCancel, taskJobOptions } from '@agentq/queue';
import { CancelListener } from '../src/cancel-listener.js';
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
const pool = testPool('cancel', { agents: [waitingAgent], logger: logs.logger });
const { connection, prefix } = pool;
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');
const listener = new CancelListener({
  subscriber,
  prefix,
  targets: [pool.worker],
  logger: logs.logger,
});

beforeAll(async () => {
  await pool.start();
  await listener.start();
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
});
