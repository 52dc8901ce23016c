import { createRedis, createTaskQueue } from '@agentq/queue';
import { AppProcess, REDIS_URL, type LogLine } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { isAlive } from '../helpers/system.js';

const TASKS = 600;
// One prefix per test: a scaler left over by a failed test cannot hold the other's lease.
const prefixes = [uniquePrefix('scaler-burst'), uniquePrefix('scaler-leader')] as const;
let prefix: string = prefixes[0];
type Queue = ReturnType<typeof createTaskQueue>;
const redis = createRedis(REDIS_URL, 'worker', 'e2e-scaler');
let queue: Queue;
const queues: Queue[] = [];
const running: AppProcess[] = [];

/** A scaler with short windows, so the whole cycle fits in a few seconds. */
async function startScaler(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const scaler = AppProcess.app('scaler', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_LOG_LEVEL: 'info',
    AGENTQ_SCALER_HTTP_PORT: String(port),
    AGENTQ_SCALER_HTTP_HOST: '127.0.0.1',
    AGENTQ_SCALER_INTERVAL_MS: '500',
    AGENTQ_SCALER_MIN_REPLICAS: '1',
    AGENTQ_SCALER_MAX_REPLICAS: '4',
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
  it('scales a burst up, drains it without losing a task, and goes back to the minimum', async () => {
    usePrefix(prefixes[0]);
    const { scaler, url } = await startScaler('scaler');
    await scaler.waitFor(isWorker('ready'), 'the first worker');

    await addSimTasks(TASKS);
    const up = await scaler.waitFor(
      (line) => line.msg === 'scale up' && Number(line.desired) >= 3,
      'a scale-up to 3 or more',
    );
    expect(up.reason).toMatch(/backlog|utilization|arrivals|max/);

    // Every task completes, exactly once, on some worker.
    await scaler.waitFor(
      () =>
        new Set(scaler.lines.filter(isWorker('task completed')).map((l) => l.taskId)).size ===
        TASKS,
      `${TASKS} completed tasks`,
    );
    const counts = await queue.getJobCounts(
      'completed',
      'failed',
      'active',
      'waiting',
      'prioritized',
    );
    expect(counts).toEqual({ completed: TASKS, failed: 0, active: 0, waiting: 0, prioritized: 0 });
    expect(scaler.lines.filter(isWorker('ready')).length).toBeGreaterThanOrEqual(3);

    // Back to the minimum, workers drained by SIGTERM and exiting 0.
    await scaler.waitFor(
      (line) => line.msg === 'scale down' && line.desired === 1,
      'the scale-down to 1',
    );
    const stopped = scaler.lines.filter((line) => line.msg === 'worker stopped');
    expect(stopped.length).toBeGreaterThanOrEqual(2);
    expect(stopped.every((line) => line.code === 0)).toBe(true);
    const status = await http('GET', `${url}/status`);
    expect(status.body).toMatchObject({ leader: true, pools: { default: { desired: 1 } } });
    expect(status.body.decisions.length).toBeGreaterThan(0);
    expect(status.body.pools.default.workers).toContainEqual(
      expect.objectContaining({ state: 'ready', running: 0 }),
    );
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/agentq_scaler_decisions_total\{pool="default",direction="up"/);

    expect(await scaler.stop()).toBe(0);
    const exits = scaler.lines.filter((line) => line.msg === 'worker stopped');
    expect(exits.every((line) => line.code === 0)).toBe(true);
  });

  it('keeps a second scaler passive until the leader dies, then it takes over', async () => {
    usePrefix(prefixes[1]);
    const first = await startScaler('first');
    const orphan = await first.scaler.waitFor(isWorker('ready'), 'the leader worker');
    const second = await startScaler('second');
    expect((await http('GET', `${first.url}/status`)).body.leader).toBe(true);
    expect((await http('GET', `${second.url}/status`)).body.leader).toBe(false);
    expect(second.scaler.lines.some((line) => line.msg === 'worker started')).toBe(false);

    // SIGKILL: no release of the lease; the second must wait for it to expire.
    const killedAt = Date.now();
    await first.scaler.stop('SIGKILL');
    await second.scaler.waitForMessage('leadership acquired');
    expect(Date.now() - killedAt).toBeLessThan(5000);
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
