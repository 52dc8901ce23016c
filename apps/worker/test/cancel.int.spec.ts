import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { z } from 'zod';
import type { Agent } from '@agentq/agents';
import { TaskSpecSchema, queueName, type TaskJobData } from '@agentq/contracts';
import {
  createRedis,
  deleteKeysByPrefix,
  listDeadLetters,
  requestCancel,
  taskJobOptions,
  toTaskView,
} from '@agentq/queue';
import { CancelListener } from '../src/cancel-listener.js';
import { REDIS_URL, poolWorker } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

const prefix = `agentq-test-cancel-${randomUUID().slice(0, 8)}`;
const connection = createRedis(REDIS_URL, 'worker', 'test-cancel');
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');
const eventsConnection = createRedis(REDIS_URL, 'worker', 'test-cancel-events');
const queue = new Queue(queueName('default'), { connection, prefix });
const events = new QueueEvents(queueName('default'), { connection: eventsConnection, prefix });

const started = new Map<string, () => void>();
const runs: string[] = [];
/** Runs until its signal aborts; tells the test when it has started. */
const waitingAgent: Agent<unknown, unknown> = {
  name: 'test.waits',
  version: '1.0.0',
  description: 'waits for its signal',
  inputSchema: z.unknown(),
  run: (_input, ctx) => {
    runs.push(ctx.taskId);
    started.get(ctx.taskId)?.();
    return new Promise((_, reject) =>
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted by signal'))),
    );
  },
};

const logs = new LogCapture();
const worker = poolWorker({ connection, prefix, agents: [waitingAgent], logger: logs.logger });
const listener = new CancelListener({ subscriber, prefix, targets: [worker], logger: logs.logger });

beforeAll(async () => {
  await events.waitUntilReady();
  await worker.start();
  await listener.start();
});
afterAll(async () => {
  await listener.close();
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await deleteKeysByPrefix(connection, prefix);
  await Promise.all([connection, subscriber, eventsConnection].map((client) => client.quit()));
});

async function add(id: string): Promise<Job<TaskJobData>> {
  const spec = TaskSpecSchema.parse({ agent: 'test.waits', attempts: 5 });
  const data: TaskJobData = { v: 1, agent: spec.agent, input: {}, tenant: 't' };
  return (await queue.add('test.waits', data, taskJobOptions(spec, id))) as Job<TaskJobData>;
}

async function finished(job: Job<TaskJobData>) {
  await job.waitUntilFinished(events).catch(() => undefined);
  const stored = (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
  return toTaskView(stored, await stored.getState(), 'default');
}

describe(CancelListener.name, () => {
  it('aborts a running task, which ends cancelled without a retry or a dead letter', async () => {
    const id = randomUUID();
    const running = new Promise<void>((resolve) => started.set(id, resolve));
    const job = await add(id);
    await running;
    await requestCancel(connection, prefix, id);

    expect(await finished(job)).toMatchObject({
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

    expect(await finished(job)).toMatchObject({
      state: 'cancelled',
      attemptsMade: 1,
      error: { code: 'CANCELLED', message: 'task cancelled before it started' },
    });
    expect(runs).not.toContain(id);
  });
});
