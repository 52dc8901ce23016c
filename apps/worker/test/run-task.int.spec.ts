import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { z } from 'zod';
import type { Agent } from '@agentq/agents';
import { TaskSpecSchema, queueName, type TaskJobData, type TaskSpecInput } from '@agentq/contracts';
import { createRedis, taskJobOptions, toTaskView } from '@agentq/queue';
import { createTaskProcessor } from '../src/run-task.js';
import { REDIS_URL, poolWorker } from './pool-fixture.js';
const prefix = `agentq-test-worker-${randomUUID().slice(0, 8)}`;

/** An agent that never looks at its signal and never finishes. */
const stubbornAgent: Agent<unknown, unknown> = {
  name: 'test.stubborn',
  version: '1.0.0',
  description: 'ignores its signal',
  inputSchema: z.unknown(),
  run: () => new Promise(() => undefined),
};

const connection = createRedis(REDIS_URL, 'worker', 'test-worker');
const queue = new Queue(queueName('default'), { connection, prefix });
const eventsConnection = createRedis(REDIS_URL, 'worker', 'test-events');
const events = new QueueEvents(queueName('default'), { connection: eventsConnection, prefix });
const worker = poolWorker({ connection, prefix, agents: [stubbornAgent] });

beforeAll(async () => {
  await events.waitUntilReady();
  await worker.start();
});
afterAll(async () => {
  await worker.close();
  await events.close();
  await eventsConnection.quit();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
});

async function run(spec: TaskSpecInput): Promise<Job<TaskJobData>> {
  const parsed = TaskSpecSchema.parse(spec);
  const job = await queue.add(
    parsed.agent,
    { v: 1, agent: parsed.agent, input: parsed.input, tenant: 't', timeoutMs: parsed.timeoutMs },
    taskJobOptions(parsed, randomUUID()),
  );
  await job.waitUntilFinished(events).catch(() => undefined);
  return (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
}

async function view(job: Job<TaskJobData>) {
  return toTaskView(job, await job.getState(), 'default');
}

describe(createTaskProcessor.name, () => {
  it('stores the agent result on the task', async () => {
    const job = await run({ agent: 'echo', input: { n: 1 } });
    expect(await view(job)).toMatchObject({
      state: 'completed',
      result: { n: 1 },
      attemptsMade: 1,
    });
  });

  it('passes progress and log lines to the task', async () => {
    const job = await run({ agent: 'sim', input: { steps: 2 } });
    expect((await view(job)).progress).toBe(100);
    const { logs } = await queue.getJobLogs(job.id ?? '');
    expect(logs).toEqual(['step 1 of 2', 'step 2 of 2']);
  });

  it('retries a transient failure until attempts run out', async () => {
    const job = await run({ agent: 'sim', input: { failProbability: 1 }, attempts: 3 });
    expect(await view(job)).toMatchObject({
      state: 'failed',
      attemptsMade: 3,
      error: { code: 'TRANSIENT', message: 'simulated failure on attempt 3' },
    });
  });

  it('fails bad input at once without retrying', async () => {
    const job = await queue.add(
      'sim',
      { v: 1, agent: 'sim', input: { latencyMs: 'x' }, tenant: 't' },
      { attempts: 5 },
    );
    await job.waitUntilFinished(events).catch(() => undefined);
    const stored = (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
    expect(await view(stored)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      error: { code: 'INVALID_INPUT', message: 'invalid input: latencyMs' },
    });
  });

  it('fails job data that breaks the task contract without retrying', async () => {
    const job = await queue.add('echo', { agent: 'echo' }, { attempts: 5 });
    await job.waitUntilFinished(events).catch(() => undefined);
    const stored = (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
    expect(await view(stored)).toMatchObject({
      state: 'failed',
      attemptsMade: 1,
      error: { code: 'INVALID_INPUT' },
    });
  });

  it('times out an attempt even when the agent ignores its signal', async () => {
    const job = await run({ agent: 'test.stubborn', timeoutMs: 200, attempts: 2 });
    expect(await view(job)).toMatchObject({
      state: 'failed',
      attemptsMade: 2,
      error: { code: 'TIMEOUT', message: 'timed out after 200 ms' },
    });
    // The slots were freed: the worker still runs new tasks.
    expect((await view(await run({ agent: 'echo', input: 'after' }))).result).toBe('after');
  });
});
