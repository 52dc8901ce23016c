import { AppProcess, type LogLine } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { outcomeLine, submitLoad } from '../helpers/load-client.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { isAlive, pollUntil, sizeFromEnv, startGateway } from '../helpers/system.js';
import { TaskOutcomes } from '../helpers/task-outcomes.js';

// The scaler (local actuator) is SIGKILLed while it scales a burst up: its workers drain
// and exit by themselves (none is left as an orphan), a restarted scaler takes over, scales
// to the load and back to the minimum, and every acknowledged task completes. Sizes for a
// bigger manual run: FAULT_TASKS, FAULT_TASK_MS.

const TASKS = sizeFromEnv('FAULT_TASKS', 1500);
const TASK_MS = sizeFromEnv('FAULT_TASK_MS', 300);
const PREFIX = 'agentq-fault';
let redis: TestRedisServer;
let outcomes: TaskOutcomes;
const apps: AppProcess[] = [];

/** A scaler with short windows, so scaling and the lease take seconds, not minutes. */
async function startScaler(): Promise<{ scaler: AppProcess; url: string }> {
  const port = await freePort();
  const scaler = AppProcess.app('scaler', {
    REDIS_URL: redis.url,
    AGENTQ_PREFIX: PREFIX,
    AGENTQ_LOG_LEVEL: 'info',
    // The tests follow the workers through the lines the scaler re-writes.
    AGENTQ_SCALER_CHILD_LOGS: 'inherit',
    AGENTQ_SCALER_HTTP_PORT: String(port),
    AGENTQ_SCALER_HTTP_HOST: '127.0.0.1',
    AGENTQ_SCALER_INTERVAL_MS: '500',
    AGENTQ_SCALER_MIN_REPLICAS: '1',
    AGENTQ_SCALER_MAX_REPLICAS: '4',
    AGENTQ_SCALER_WORKER_CONCURRENCY: '10',
    AGENTQ_SCALER_BACKLOG_DRAIN_S: '3',
    AGENTQ_SCALER_UP_COOLDOWN_S: '1',
    AGENTQ_SCALER_DOWN_STABILIZATION_S: '3',
    AGENTQ_SCALER_RATE_HALF_LIFE_S: '2',
    AGENTQ_SCALER_LEASE_TTL_MS: '2000',
  });
  apps.push(scaler);
  await scaler.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'ready');
  return { scaler, url: `http://127.0.0.1:${port}` };
}

const isWorkerReady = (line: LogLine) => line.app === 'worker' && line.msg === 'ready';

/** Pids of the workers the scalers among `apps` started. */
function startedWorkers(scalers: AppProcess[]): number[] {
  return scalers.flatMap((app) =>
    app.lines.filter((line) => line.msg === 'worker started').map((line) => Number(line.workerPid)),
  );
}

/** Waits until none of the pids runs. */
function allExited(pids: number[]): Promise<void> {
  return pollUntil(() => !pids.some(isAlive), `workers ${pids.join(', ')} to exit`);
}

/** Waits until the scaler's /status shows `replicas` wanted and running. */
function converged(url: string, replicas: number): Promise<void> {
  return pollUntil(
    async () => {
      const pool = (await http('GET', `${url}/status`)).body.pools.default;
      return pool.desired === replicas && pool.current === replicas;
    },
    `${replicas} worker(s) wanted and running`,
    { everyMs: 250 },
  );
}

beforeAll(async () => {
  redis = await TestRedisServer.create({ aof: false });
  await redis.start();
  outcomes = new TaskOutcomes(redis.url, PREFIX);
  await outcomes.start();
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  // After a failure, no worker may outlive the test.
  for (const pid of startedWorkers(apps)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  await outcomes.close();
  await redis.remove();
});

it('leaves no orphan worker when the scaler is SIGKILLed mid-scale, and a new one converges', async () => {
  const gateway = await startGateway({ REDIS_URL: redis.url, AGENTQ_PREFIX: PREFIX });
  apps.push(gateway.app);
  const first = await startScaler();
  await first.scaler.waitFor(isWorkerReady, 'the first worker');

  const load = submitLoad({
    url: `${gateway.url}/v1/tasks`,
    count: TASKS,
    concurrency: 10,
    body: (i) => ({ agent: 'sim', input: { latencyMs: TASK_MS, output: i } }),
  });
  // Killed right after it scaled up, while the new workers start.
  await first.scaler.waitFor(
    () => startedWorkers([first.scaler]).length > 1,
    'a scale-up to start workers',
  );
  await first.scaler.stop('SIGKILL');
  const orphans = startedWorkers([first.scaler]);
  // Each notices its scaler is gone, drains and exits.
  await allExited(orphans);

  const second = await startScaler();
  const stats = await load;
  await outcomes.waitForAll(stats.acknowledged);
  await second.scaler.waitFor(
    (line) => line.msg === 'scale down' && line.desired === 1,
    'the scale-down to 1',
    60_000,
  );
  // Converged: the workers it runs are the workers it wants (read at its next tick).
  await converged(second.url, 1);
  const result = await outcomes.outcomes(stats.acknowledged);
  process.stdout.write(outcomeLine('scaler-kill', stats, result));

  expect(stats.acknowledged).toHaveLength(TASKS);
  expect(result.lost).toEqual([]);
  expect(result.completedTwice).toEqual([]);
  expect(await second.scaler.stop()).toBe(0);
  // Every worker either scaler ever started is gone.
  expect(startedWorkers([second.scaler]).length).toBeGreaterThan(0);
  await allExited(startedWorkers([first.scaler, second.scaler]));
});
