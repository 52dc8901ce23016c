import { createRedis, createTaskQueue } from '@agentq/queue';
import { AppProcess, REDIS_URL, type LogLine } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { isAlive, pollUntil } from '../helpers/system.js';

// The burst: 2,000 sim tasks of 200 ms, min 1, max 6 workers of 10 slots.
const TASKS = 2000;
const MAX_WORKERS = 6;
// One prefix per test: a scaler left over by a failed test cannot hold the other's lease.
const prefixes = [uniquePrefix('scaler-burst'), uniquePrefix('scaler-leader')] as const;
let prefix: string = prefixes[0];
type Queue = ReturnType<typeof createTaskQueue>;
const redis = createRedis(REDIS_URL, 'worker', 'e2e-scaler');
let queue: Queue;
const queues: Queue[] = [];
const running: AppProcess[] = [];

/**
 * A scaler with short windows (the defaults: 2 s interval, 60 s drain target, 15 s cooldown,
 * 120 s stabilization), so the whole cycle takes seconds, not minutes.
 */
async function startScaler(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const scaler = AppProcess.app('scaler', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_LOG_LEVEL: 'info',
    // The tests follow the workers through the lines the scaler re-writes.
    AGENTQ_SCALER_CHILD_LOGS: 'inherit',
    AGENTQ_SCALER_HTTP_PORT: String(port),
    AGENTQ_SCALER_HTTP_HOST: '127.0.0.1',
    AGENTQ_SCALER_INTERVAL_MS: '500',
    AGENTQ_SCALER_MIN_REPLICAS: '1',
    AGENTQ_SCALER_MAX_REPLICAS: String(MAX_WORKERS),
    AGENTQ_SCALER_WORKER_CONCURRENCY: '10',
    AGENTQ_SCALER_BACKLOG_DRAIN_S: '3',
    AGENTQ_SCALER_STEP_UP: '2',
    AGENTQ_SCALER_UP_COOLDOWN_S: '1',
    AGENTQ_SCALER_DOWN_STABILIZATION_S: '3',
    AGENTQ_SCALER_RATE_HALF_LIFE_S: '2',
    AGENTQ_SCALER_LEASE_TTL_MS: '2000',
    ...env,
  });
  Object.defineProperty(scaler, 'name', { value: name });
  running.push(scaler);
  await scaler.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'ready');
  return { scaler, url: `http://127.0.0.1:${port}` };
}

const isWorker = (msg: string) => (line: LogLine) => line.app === 'worker' && line.msg === msg;

/** Waits until a process that is not our child is gone (there is no exit event to await). */
async function exited(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 50));
}

function addSimTasks(count: number) {
  return queue.addBulk(
    Array.from({ length: count }, () => ({
      name: 'sim',
      data: { v: 1, agent: 'sim', input: { latencyMs: 200 }, tenant: 't' },
      opts: { priority: 3 },
    })),
  );
}

function usePrefix(next: string): void {
  prefix = next;
  queue = createTaskQueue('default', { connection: redis, prefix });
  queues.push(queue);
}

afterAll(async () => {
  const codes = await Promise.all(running.map((app) => app.stop()));
  for (const q of queues) await q.close();
  for (const p of prefixes) await deletePrefix(p);
  await redis.quit();
  // Killed on purpose in the second test: null (signal); every other one exits 0.
  expect(codes.filter((code) => code !== null).every((code) => code === 0)).toBe(true);
});

describe('scaler with the local actuator', () => {
  it('scales a burst up to the maximum, drains it without losing a task, and goes back to the minimum', async () => {
    usePrefix(prefixes[0]);
    const { scaler, url } = await startScaler('scaler');
    await scaler.waitFor(isWorker('ready'), 'the first worker');

    await addSimTasks(TASKS);
    const up = await scaler.waitFor(
      (line) => line.msg === 'scale up' && Number(line.desired) === MAX_WORKERS,
      `a scale-up to ${MAX_WORKERS}`,
      60_000,
    );
    expect(up.reason).toMatch(/backlog|utilization|arrivals|max/);

    // Every task completes on some worker, and only once.
    const completed = new Set<unknown>();
    await scaler.waitFor(
      (line) => {
        if (isWorker('task completed')(line)) completed.add(line.taskId);
        return completed.size === TASKS;
      },
      `${TASKS} completed tasks`,
      120_000,
    );
    expect(scaler.lines.filter(isWorker('task completed'))).toHaveLength(TASKS);
    const counts = await queue.getJobCounts(
      'completed',
      'failed',
      'active',
      'waiting',
      'prioritized',
    );
    expect(counts).toEqual({ completed: TASKS, failed: 0, active: 0, waiting: 0, prioritized: 0 });

    // Back to the minimum, workers drained by SIGTERM and exiting 0.
    await scaler.waitFor(
      (line) => line.msg === 'scale down' && line.desired === 1,
      'the scale-down to 1',
      60_000,
    );
    const started = scaler.lines.filter((line) => line.msg === 'worker started').length;
    let stopped = 0;
    await scaler.waitFor(
      (line) => line.msg === 'worker stopped' && ++stopped === started - 1,
      'every worker but one stopped',
    );
    const exits = scaler.lines.filter((line) => line.msg === 'worker stopped');
    expect(exits.every((line) => line.code === 0)).toBe(true);
    // Never more than the maximum at once; each worker to stop was chosen knowing what it
    // ran (BullMQ's processedBy of the active tasks, by the worker's name).
    let live = 0;
    let peak = 0;
    for (const line of scaler.lines) {
      if (line.msg === 'worker started') peak = Math.max(peak, ++live);
      if (line.msg === 'stopping worker' || line.msg === 'worker exited unexpectedly') live--;
    }
    expect(peak).toBe(MAX_WORKERS);
    const stopping = scaler.lines.filter((line) => line.msg === 'stopping worker');
    expect(stopping.every((line) => typeof line.running === 'number')).toBe(true);

    const status = await http('GET', `${url}/status`);
    expect(status.body).toMatchObject({ leader: true, pools: { default: { desired: 1 } } });
    expect(status.body.decisions.length).toBeGreaterThan(0);
    expect(status.body.pools.default.workers).toContainEqual(
      expect.objectContaining({ state: 'ready', running: 0 }),
    );
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/agentq_scaler_decisions_total\{pool="default",direction="up"/);

    expect(await scaler.stop()).toBe(0);
    const allExits = scaler.lines.filter((line) => line.msg === 'worker stopped');
    expect(allExits).toHaveLength(started);
    expect(allExits.every((line) => line.code === 0)).toBe(true);
  }, 240_000);

  it('keeps a second scaler passive until the leader dies, then it takes over', async () => {
    usePrefix(prefixes[1]);
    const first = await startScaler('first');
    const orphan = await first.scaler.waitFor(isWorker('ready'), 'the leader worker');
    const second = await startScaler('second');
    expect((await http('GET', `${first.url}/status`)).body.leader).toBe(true);
    const standby = (await http('GET', `${second.url}/status`)).body;
    expect(standby.leader).toBe(false);
    // The decision log is shared: the standby shows the leader's.
    expect(standby.decisions.length).toBeGreaterThan(0);
    // Behind one Service, KEDA gets the leader's decision from either instance. The leader's
    // first decision was recorded before its worker started (current 0); the next one, a
    // tick later, counts it, and the worker may be ready before that tick.
    const desiredOfSecond = async (): Promise<unknown> =>
      (await http('GET', `${second.url}/v1/pools/default/desired`)).body;
    await pollUntil(
      async () => ((await desiredOfSecond()) as { current?: number }).current === 1,
      "the leader's decision counting its worker",
    );
    expect(await desiredOfSecond()).toEqual({
      pool: 'default',
      desired: 1,
      current: 1,
    });
    expect(second.scaler.lines.some((line) => line.msg === 'worker started')).toBe(false);

    // SIGKILL: no release of the lease; the second must wait for it to expire.
    await first.scaler.stop('SIGKILL');
    await second.scaler.waitForMessage('leadership acquired');
    await second.scaler.waitFor(isWorker('ready'), 'a worker of the new leader');
    // The killed leader's worker notices (its IPC channel closed), drains and exits by
    // itself, so every task below runs on the new leader's worker.
    await exited(Number(orphan.pid));

    const jobs = await addSimTasks(20);
    await Promise.all(
      jobs.map((job) =>
        second.scaler.waitFor(
          (line) => isWorker('task completed')(line) && line.taskId === job.id,
          `task ${job.id}`,
        ),
      ),
    );
  });
});
