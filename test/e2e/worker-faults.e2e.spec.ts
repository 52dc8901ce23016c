import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { TaskSpecSchema, type TaskSpecInput } from '@agentq/contracts';
import {
  connectedWorkerNames,
  createRedis,
  createTaskQueue,
  getDeadLetter,
  taskJobOptions,
  toTaskView,
} from '@agentq/queue';
import { AppProcess, REDIS_URL, type LogLine } from '../helpers/app-process.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { pollUntil } from '../helpers/system.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

// Short locks keep takeovers within a few seconds (defaults: 6 s lock, 2 s check).
const FAST_LOCKS = {
  AGENTQ_WORKER_LOCK_DURATION_MS: '2000',
  AGENTQ_WORKER_STALLED_INTERVAL_MS: '1000',
};

const prefix = uniquePrefix('worker-faults');
const redis = createRedis(REDIS_URL, 'worker', 'e2e-worker-faults');
const queue = createTaskQueue('default', { connection: redis, prefix });
const running: AppProcess[] = [];
let proxy: TcpProxy | undefined;

function startWorker(env: Record<string, string> = {}): AppProcess {
  const worker = AppProcess.app('worker', { AGENTQ_PREFIX: prefix, ...env });
  running.push(worker);
  return worker;
}

/** Starts a worker; resolves once it is ready, with its BullMQ name (its tasks' processedBy). */
async function startNamedWorker(env: Record<string, string> = {}): Promise<[AppProcess, string]> {
  const worker = startWorker(env);
  const ready = await worker.waitForMessage('ready');
  return [worker, String(ready.workerName)];
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

// A test's workers must not take the next test's tasks (one queue for the file), even when
// the test failed before stopping them.
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
});

afterAll(async () => {
  await proxy?.close();
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
    // Killed before the second worker starts: the kill lands while the task runs, however
    // slowly the second worker starts on a loaded machine.
    await first.stop('SIGKILL');
    const second = startWorker(FAST_LOCKS);
    // The takeover comes through BullMQ's stall move, after the failover grace or the lock
    // (2 s) + check (1 s), whichever is first (`pnpm bench`, failover section, times it).
    await second.waitFor(about('task completed', id), 'the takeover', 25_000);
    expect(second.lines.some(about('task stalled; taken over', id))).toBe(true);
    expect(second.lines.filter(about('task completed', id))).toHaveLength(1);
    // The lost run counts as a failed attempt; the agent is told it runs again.
    expect(await view(id)).toMatchObject({
      state: 'completed',
      result: { output: 'done', attempt: 2, redelivered: true },
      attemptsMade: 2,
      runs: 2,
    });
    await second.stop();
  });

  /** Starts the task on a worker of its own and SIGKILLs that worker. */
  async function loseOneRun(id: string): Promise<void> {
    const worker = startWorker(FAST_LOCKS);
    await worker.waitForMessage('ready');
    // The agent itself, not the fetch that only counts an earlier lost run.
    await worker.waitFor(about('agent started', id), 'the agent to start', 25_000);
    await worker.stop('SIGKILL');
  }

  it('lets a task with attempts: 3 survive two lost workers', async () => {
    const id = await submit({
      agent: 'sim',
      attempts: 3,
      input: { latencyMs: 3000, output: 'ok' },
    });
    await loseOneRun(id);
    await loseOneRun(id);
    const survivor = startWorker(FAST_LOCKS);
    await survivor.waitFor(about('task completed', id), 'the third run', 25_000);
    expect(await view(id)).toMatchObject({
      state: 'completed',
      result: { output: 'ok', attempt: 3, redelivered: true },
      runs: 3,
    });
  });

  it('dead-letters a task whose lost workers used its attempts, listing each lost run', async () => {
    const id = await submit({ agent: 'sim', attempts: 2, input: { latencyMs: 60_000 } });
    await loseOneRun(id);
    await loseOneRun(id);
    const survivor = startWorker(FAST_LOCKS);
    await survivor.waitFor(about('task settled', id), 'the task to fail', 25_000);
    expect(await view(id)).toMatchObject({ state: 'failed', error: { code: 'WORKER_LOST' } });
    const letter = await getDeadLetter(redis, prefix, 'default', id);
    expect(letter?.runs).toBe(2);
    expect(letter?.attempts.map(({ attempt, code }) => ({ attempt, code }))).toEqual([
      { attempt: 1, code: 'WORKER_LOST' },
      { attempt: 2, code: 'WORKER_LOST' },
    ]);
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
        code: 'WORKER_LOST',
        message: expect.stringContaining('never runs a task twice') as string,
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

const LOCK_MS = 30_000;
/** A lock far longer than the test waits: only the fast path can hand a task over in time. */
const LONG_LOCKS = {
  AGENTQ_WORKER_LOCK_DURATION_MS: String(LOCK_MS),
  AGENTQ_WORKER_STALLED_INTERVAL_MS: '10000',
};

const released = (taskId: string) => (line: LogLine) =>
  line.msg === 'released the tasks of a worker that disconnected' &&
  Array.isArray(line.taskIds) &&
  line.taskIds.includes(taskId);

const isConnected = async (name: string) =>
  connectedWorkerNames((await redis.client('LIST')) as string, prefix).has(name);

describe('failover when a worker process dies', () => {
  it("starts a SIGKILLed worker's task on a survivor long before its lock expires", async () => {
    const [first] = await startNamedWorker(LONG_LOCKS);
    // Outlasts the second worker's start on a loaded machine, so the kill lands while the
    // task runs.
    const id = await submit({ agent: 'sim', input: { latencyMs: 20_000, output: 'done' } });
    await first.waitFor(about('task started', id), 'the task to start');
    const [second] = await startNamedWorker(LONG_LOCKS);

    const killedAt = Date.now();
    await first.stop('SIGKILL');
    // The lock holds 30 s: a start before then can only come from the dead worker's
    // connections having closed.
    const started = await second.waitFor(about('task started', id), 'the takeover', LOCK_MS - 5000);
    expect(Number(started.time)).toBeLessThan(killedAt + LOCK_MS);
    expect(second.lines.some(released(id))).toBe(true);
    await second.waitFor(about('task completed', id), 'the task to complete', 40_000);
    // Through BullMQ's stall rules: counted and recorded as a stall.
    expect(second.lines.some(about('task stalled; taken over', id))).toBe(true);
    expect(await view(id)).toMatchObject({ state: 'completed', result: { output: 'done' } });
    expect((await queue.getJob(id))?.stalledCounter).toBe(1);
    await second.stop();
  });

  it('leaves the task of a frozen (SIGSTOP) worker to its lock, and ends in one completion', async () => {
    // The short profile's lock (6 s): the frozen worker keeps its connections, so only the
    // lock's expiry hands its task over.
    const [first, firstName] = await startNamedWorker();
    const id = await submit({ agent: 'sim', input: { latencyMs: 20_000, output: 'once' } });
    await first.waitFor(about('task started', id), 'the task to start');
    const [second] = await startNamedWorker();

    first.child.kill('SIGSTOP');
    try {
      const lock = `${queue.toKey(id)}:lock`;
      // Frozen at least 2 s (the lock is renewed to 6 s every 1.5–3 s): past the grace
      // (1 s) and several looks of the survivor.
      await pollUntil(async () => (await redis.pttl(lock)) < 1000, 'the lock to near its expiry', {
        everyMs: 50,
      });
      expect(await isConnected(firstName)).toBe(true);
      expect(await queue.getJob(id).then((job) => job?.getState())).toBe('active');
      expect(await redis.hget(queue.toKey(id), 'pb')).toBe(firstName);
      expect(second.lines.some(released(id))).toBe(false);

      await second.waitFor(about('task stalled; taken over', id), 'the lock-expiry takeover');
      await second.waitFor(about('task started', id), 'the takeover to start');
    } finally {
      first.child.kill('SIGCONT');
    }
    // Back, it finds its lock gone and stops its run without writing a result.
    await first.waitFor(about('lost the lock of a running task; stopping it', id), 'the stop');
    // The lost run was a failed attempt: the task runs again after its backoff, on whichever
    // worker fetches it first (the thawed one too), and completes once.
    await pollUntil(async () => (await view(id)).state === 'completed', 'the task to complete');
    expect(second.lines.some(released(id))).toBe(false);
    const completions = [first, second].flatMap((worker) =>
      worker.lines.filter(about('task completed', id)),
    );
    expect(completions).toHaveLength(1);
    expect(await view(id)).toMatchObject({
      state: 'completed',
      result: { output: 'once', redelivered: true },
    });
    await Promise.all([first.stop(), second.stop()]);
  });

  it('lets a worker whose connection is cut for less than the grace keep its task', async () => {
    const port = Number(new URL(REDIS_URL).port || 6379);
    proxy ??= await TcpProxy.create(port, new URL(REDIS_URL).hostname);
    const [cutOff, cutOffName] = await startNamedWorker({ ...LONG_LOCKS, REDIS_URL: proxy.url });
    const id = await submit({ agent: 'sim', input: { latencyMs: 4000, output: 'kept' } });
    await cutOff.waitFor(about('task started', id), 'the task to start');
    // Gone for less than the survivor's grace (3 s here), seen gone by several of its looks.
    const [other] = await startNamedWorker({
      ...LONG_LOCKS,
      AGENTQ_WORKER_FAILOVER_GRACE_MS: '3000',
    });

    proxy.cut();
    await pollUntil(async () => !(await isConnected(cutOffName)), 'the cut worker to vanish', {
      everyMs: 50,
    });
    await delay(800); // about 1.4 s gone in all (ioredis retries at 0.2, 0.6, 1.4 s): a blip
    proxy.restore();
    await pollUntil(() => isConnected(cutOffName), 'the cut worker to reconnect', { everyMs: 50 });

    await cutOff.waitFor(about('task completed', id), 'the task to complete on its worker');
    expect(other.lines.some(released(id))).toBe(false);
    expect(other.lines.some(about('task started', id))).toBe(false);
    expect(cutOff.lines.some(about('lost the lock of a running task; stopping it', id))).toBe(
      false,
    );
    expect(await view(id)).toMatchObject({ state: 'completed', result: { output: 'kept' } });
    await Promise.all([cutOff.stop(), other.stop()]);
  });

  it('stops the run of a worker cut off past the grace once it is back: one run goes on', async () => {
    const port = Number(new URL(REDIS_URL).port || 6379);
    proxy ??= await TcpProxy.create(port, new URL(REDIS_URL).hostname);
    const [cutOff] = await startNamedWorker({ ...LONG_LOCKS, REDIS_URL: proxy.url });
    const id = await submit({ agent: 'sim', input: { latencyMs: 6000, output: 'one run' } });
    await cutOff.waitFor(about('task started', id), 'the task to start');
    const [other] = await startNamedWorker(LONG_LOCKS);

    proxy.cut();
    try {
      await other.waitFor(released(id), 'the release of the cut-off task');
      await other.waitFor(about('task started', id), 'the takeover');
    } finally {
      proxy.restore();
    }
    await cutOff.waitFor(about('lost the lock of a running task; stopping it', id), 'the stop');
    await other.waitFor(about('task completed', id), 'the task to complete');
    expect(cutOff.lines.some(about('task completed', id))).toBe(false);
    expect(await view(id)).toMatchObject({ state: 'completed', result: { output: 'one run' } });
    await Promise.all([cutOff.stop(), other.stop()]);
  });

  it('leaves the tasks of a draining worker to it (its BullMQ connection closes first)', async () => {
    const [draining] = await startNamedWorker(LONG_LOCKS);
    const id = await submit({ agent: 'sim', input: { latencyMs: 4000, output: 'drained' } });
    await draining.waitFor(about('task started', id), 'the task to start');
    const [other] = await startNamedWorker(LONG_LOCKS);

    expect(await draining.stop('SIGTERM')).toBe(0);
    expect(draining.lines.some(about('task completed', id))).toBe(true);
    expect(other.lines.some(released(id))).toBe(false);
    expect(await view(id)).toMatchObject({ state: 'completed', result: { output: 'drained' } });
    await other.stop();
  });
});
