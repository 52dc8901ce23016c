import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { TransientError } from '@agentq/agents';
import { TaskSpecSchema, type TaskJobData, type TaskSpecInput } from '@agentq/contracts';
import {
  backoffCeilingMs,
  getDeadLetter,
  readAttempts,
  redriveDeadLetter,
  taskJobOptions,
} from '@agentq/queue';
import { testAgent, testPool } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

let failing = true;
/** Fails with a transient error while `failing` is set. */
const flakyAgent = testAgent('test.flaky', (_input, ctx) =>
  failing
    ? Promise.reject(new TransientError(`down on attempt ${ctx.attempt}`))
    : Promise.resolve('up'),
);

const backoff = { baseMs: 50, capMs: 120 };
const logs = new LogCapture();
const pool = testPool('retry', { agents: [flakyAgent], backoff, logger: logs.logger });
const { connection, prefix, queue, events } = pool;

beforeAll(() => pool.start());
afterAll(() => pool.stop());

async function run(spec: TaskSpecInput): Promise<Job<TaskJobData>> {
  const parsed = TaskSpecSchema.parse(spec);
  const data = { v: 1 as const, agent: parsed.agent, input: parsed.input, tenant: 't' };
  const job = await queue.add(parsed.agent, data, taskJobOptions(parsed, randomUUID()));
  await job.waitUntilFinished(events).catch(() => undefined);
  return (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
}

/** Slack for timers and Redis round trips on a busy 2-core machine. */
const SLACK_MS = 500;

/** Time from each failed attempt to the start of the next one. */
function gaps(attempts: { at: number; startedAt?: number }[]): number[] {
  return attempts.slice(1).map((next, i) => (next.startedAt ?? 0) - (attempts[i]?.at ?? 0));
}

describe('retries and dead letters', () => {
  it('waits between attempts at most the capped exponential ceiling, then dead-letters', async () => {
    const job = await run({ agent: 'test.flaky', attempts: 5 });
    expect(job.attemptsMade).toBe(5);
    expect(await job.getState()).toBe('failed');
    await logs.waitFor('task settled', { taskId: job.id, outcome: 'dead-lettered' });

    const letter = await getDeadLetter(connection, prefix, 'default', job.id ?? '');
    const attempts = letter?.attempts ?? [];
    expect(attempts.map((a) => [a.attempt, a.code, a.message])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 'TRANSIENT', `down on attempt ${n}`]),
    );
    // The delay before attempt n+1 is drawn from [0, min(cap, base * 2^(n-1))]: 50, 100,
    // 120, 120 here, where BullMQ's own exponential would allow 400 and 800 for the last two.
    const delays = logs.lines
      .filter((line) => line.msg === 'task will retry' && line.taskId === job.id)
      .map((line) => [line.attemptsMade, line.retryDelayMs]);
    expect(delays).toHaveLength(4);
    for (const [n, delay] of delays as [number, number][]) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(
        backoffCeilingMs(n, 'agentq-exponential', backoff.baseMs, backoff.capMs),
      );
    }
    // And the attempts really waited no longer (with slack for a busy machine).
    for (const gap of gaps(attempts)) expect(gap).toBeLessThanOrEqual(backoff.capMs + SLACK_MS);
    expect(letter).toMatchObject({
      name: 'test.flaky',
      data: { agent: 'test.flaky', tenant: 't' },
      opts: { attempts: 5, backoff: { type: 'agentq-exponential' } },
      failedReason: '[TRANSIENT] down on attempt 5',
      attemptsMade: 5,
    });
    // The records moved into the dead letter.
    expect(await readAttempts(connection, prefix, queue.name, job.id ?? '')).toEqual([]);
  });

  it('uses the task backoff of its own, within the worker cap', async () => {
    const job = await run({
      agent: 'test.flaky',
      attempts: 3,
      backoff: { type: 'fixed', delayMs: 100 },
    });
    expect(job.opts.backoff).toEqual({ type: 'agentq-fixed', delay: 100 });
    await logs.waitFor('task settled', { taskId: job.id });
    const attempts = (await getDeadLetter(connection, prefix, 'default', job.id ?? ''))?.attempts;
    expect(attempts).toHaveLength(3);
    const delays = logs.lines
      .filter((line) => line.msg === 'task will retry' && line.taskId === job.id)
      .map((line) => line.retryDelayMs as number);
    expect(delays).toHaveLength(2);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(100);
  });

  it('runs a re-driven task again with fresh attempts', async () => {
    const job = await run({ agent: 'test.flaky', attempts: 2 });
    await logs.waitFor('task settled', { taskId: job.id });
    failing = false;
    try {
      expect(await redriveDeadLetter(connection, prefix, queue, 'default', job.id ?? '')).toEqual({
        status: 'redriven',
        taskId: job.id,
      });
      const again = (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
      expect(await again.waitUntilFinished(events)).toBe('up');
      expect(await queue.getJob(job.id ?? '')).toMatchObject({ attemptsMade: 1 });
      expect(await getDeadLetter(connection, prefix, 'default', job.id ?? '')).toBeUndefined();
    } finally {
      failing = true;
    }
  });
});
