import { randomUUID } from 'node:crypto';
import { TaskSpecSchema, type TaskSpecInput } from '@agentq/contracts';
import {
  createRedis,
  createTaskQueue,
  getDeadLetter,
  taskJobOptions,
  toTaskView,
} from '@agentq/queue';
import { AppProcess, REDIS_URL, type LogLine } from '../helpers/app-process.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';

// Short locks keep takeovers within a few seconds (defaults: 6 s lock, 2 s check).
const FAST_LOCKS = {
  AGENTQ_WORKER_LOCK_DURATION_MS: '2000',
  AGENTQ_WORKER_STALLED_INTERVAL_MS: '1000',
};

const prefix = uniquePrefix('worker-faults');
const redis = createRedis(REDIS_URL, 'worker', 'e2e-worker-faults');
const queue = createTaskQueue('default', { connection: redis, prefix });
const running: AppProcess[] = [];

function startWorker(env: Record<string, string> = {}): AppProcess {
  const worker = AppProcess.app('worker', { AGENTQ_PREFIX: prefix, ...env });
  running.push(worker);
  return worker;
}

async function submit(spec: TaskSpecInput): Promise<string> {
  const parsed = TaskSpecSchema.parse(spec);
  const id = randomUUID();
  const data = { v: 1 as const, agent: parsed.agent, input: parsed.input, tenant: 't' };
  await queue.add(parsed.agent, data, taskJobOptions(parsed, id));
  return id;
}

const about = (msg: string, taskId: string) => (line: LogLine) =>
  line.msg === msg && line.taskId === taskId;

async function view(taskId: string) {
  const job = await queue.getJob(taskId);
  if (!job) throw new Error(`task ${taskId} is gone`);
  return toTaskView(job, await job.getState(), 'default');
}

afterAll(async () => {
  await Promise.all(running.map((app) => app.stop('SIGKILL')));
  await queue.close();
  await deletePrefix(prefix);
  await redis.quit();
});

describe('worker faults', () => {
  it('takes over the task of a SIGKILLed worker and records its result once', async () => {
    const first = startWorker(FAST_LOCKS);
    await first.waitForMessage('ready');
    const id = await submit({ agent: 'sim', input: { latencyMs: 1500, output: 'done' } });
    await first.waitFor(about('task started', id), 'the task to start');
    const second = startWorker(FAST_LOCKS);
    await second.waitForMessage('ready');

    await first.stop('SIGKILL');
    // Lock 2 s + check interval 1 s: the takeover comes from the stalled-task check (how
    // long it takes is measured by `pnpm bench`, failover section).
    await second.waitFor(about('task completed', id), 'the takeover', 25_000);
    expect(second.lines.some(about('task stalled; taken over', id))).toBe(true);
    expect(second.lines.filter(about('task completed', id))).toHaveLength(1);
    expect(await view(id)).toMatchObject({
      state: 'completed',
      result: { output: 'done' },
      attemptsMade: 1,
    });
    await second.stop();
  });

  it('fails a task with a clear error once its workers stopped more than maxStalledCount', async () => {
    // The batch profile never runs a task twice (maxStalledCount 0); locks shortened.
    const env = { ...FAST_LOCKS, AGENTQ_POOL_PROFILES: 'default:batch' };
    const first = startWorker(env);
    await first.waitForMessage('ready');
    const id = await submit({ agent: 'sim', input: { latencyMs: 60_000 } });
    await first.waitFor(about('task started', id), 'the task to start');
    const second = startWorker(env);
    await second.waitForMessage('ready');

    await first.stop('SIGKILL');
    await second.waitFor(about('task settled', id), 'the stalled task to fail', 25_000);
    expect(await view(id)).toMatchObject({
      state: 'failed',
      error: {
        code: 'AGENT_FAILED',
        message: expect.stringContaining('stopped 1 time(s)') as string,
      },
    });
    const letter = await getDeadLetter(redis, prefix, 'default', id);
    expect(letter?.attempts.map((attempt) => attempt.message)).toEqual([
      expect.stringContaining('the worker running the task stopped'),
    ]);
    await second.stop();
  });

  it('on SIGTERM finishes what it can, hands the rest back at once and exits 0', async () => {
    const draining = startWorker({
      AGENTQ_WORKER_DRAIN_TIMEOUT_MS: '1000',
      AGENTQ_CONCURRENCY: '2',
    });
    await draining.waitForMessage('ready');
    const short = await submit({ agent: 'sim', input: { latencyMs: 300 } });
    const long = await submit({ agent: 'sim', input: { latencyMs: 4000, output: 'long' } });
    await draining.waitFor(about('task started', long), 'the long task to start');
    await draining.waitFor(about('task started', short), 'the short task to start');

    expect(await draining.stop('SIGTERM')).toBe(0);
    expect(draining.lines.some(about('task completed', short))).toBe(true);
    expect(draining.lines.some(about('task handed back', long))).toBe(true);
    expect(draining.lines.at(-1)?.msg).toBe('stopped');

    // Handed back, not stalled: another worker starts it without waiting out the 6 s lock,
    // and the interrupted run used no attempt.
    const next = startWorker();
    await next.waitFor(about('task completed', long), 'the handed-back task', 25_000);
    // Back in the queue at once, not found stalled after its 6 s lock expired.
    expect(next.lines.some(about('task stalled; taken over', long))).toBe(false);
    expect((await queue.getJob(long))?.stalledCounter).toBe(0);
    expect(await view(long)).toMatchObject({ state: 'completed', attemptsMade: 1 });
    await next.stop();
  });
});
