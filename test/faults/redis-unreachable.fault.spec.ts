import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../helpers/app-process.js';
import { gatewayFetch } from '../helpers/http.js';
import { outcomeLine, submitLoad } from '../helpers/load-client.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { sizeFromEnv, startGateway, startWorker } from '../helpers/system.js';
import { TaskOutcomes } from '../helpers/task-outcomes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

// The apps reach Redis through a TCP proxy the test cuts for 10 s (connections reset, new
// ones refused) while tasks are submitted: clients get 503 meanwhile, never a hang; the apps
// reconnect by themselves; every task the gateway acknowledged completes. Sizes for a bigger
// manual run: FAULT_OUTAGE_MS, FAULT_TASKS (submitted before and after the outage, each).

const OUTAGE_MS = sizeFromEnv('FAULT_OUTAGE_MS', 10_000);
const TASKS = sizeFromEnv('FAULT_TASKS', 1000);
const PREFIX = 'agentq-fault';
let redis: TestRedisServer;
let proxy: TcpProxy;
let outcomes: TaskOutcomes;
const apps: AppProcess[] = [];
/** Set when the test is over (even failed), so the load does not go on for ever. */
let over = false;

beforeAll(async () => {
  redis = await TestRedisServer.create({ aof: false });
  await redis.start();
  proxy = await TcpProxy.create(redis.port);
  // Straight to Redis, not through the proxy: the test's own view is never cut.
  outcomes = new TaskOutcomes(redis.url, PREFIX);
  await outcomes.start();
});

afterAll(async () => {
  over = true;
  await Promise.all(apps.map((app) => app.stop()));
  await outcomes.close();
  await proxy.close();
  await redis.remove();
});

it('answers 503 while Redis is unreachable, reconnects, and completes every acknowledged task', async () => {
  const env = { REDIS_URL: proxy.url, AGENTQ_PREFIX: PREFIX };
  const gateway = await startGateway(env);
  const workers = await Promise.all(
    [1, 2].map(() => startWorker({ ...env, AGENTQ_CONCURRENCY: '20', AGENTQ_LOG_LEVEL: 'info' })),
  );
  apps.push(gateway.app, ...workers);

  // Load goes on until TASKS were acknowledged after the outage ended.
  let phase: 'before' | 'outage' | 'after' = 'before';
  let acknowledged = 0;
  let acknowledgedAtRestore = 0;
  let outage: Promise<void> | undefined;
  const stats = await submitLoad({
    url: `${gateway.url}/v1/tasks`,
    count: Number.MAX_SAFE_INTEGER,
    concurrency: 10,
    backoffMs: 100,
    body: (i) => ({ agent: 'sim', input: { latencyMs: 20, output: i } }),
    done: () => over || (phase === 'after' && acknowledged >= acknowledgedAtRestore + TASKS),
    onAnswer: (count) => {
      acknowledged = count;
      if (phase !== 'before' || acknowledged < TASKS) return;
      phase = 'outage';
      proxy.cut();
      outage = sleep(OUTAGE_MS).then(() => {
        proxy.restore();
        acknowledgedAtRestore = acknowledged;
        phase = 'after';
      });
    },
  });
  await outage;
  await outcomes.waitForAll(stats.acknowledged);
  const result = await outcomes.outcomes(stats.acknowledged);
  process.stdout.write(outcomeLine('redis-unreachable', stats, result));

  // A 500 is logged with its error: shown here if one happened.
  expect(gateway.app.lines.filter((line) => line.msg === 'request failed')).toEqual([]);
  // The outage is logged as JSON lines, not as stacks printed by a library to stderr.
  for (const app of apps) expect([app.name, app.plainTextLines()]).toEqual([app.name, []]);
  expect(result.lost).toEqual([]);
  expect(result.completedTwice).toEqual([]);
  expect(stats.hangs).toBe(0);
  expect(stats.refused).toBe(0);
  // Every answer is a success, a 503 (nothing queued) or, for a submit whose connection
  // dropped after it was sent, a 504 OUTCOME_UNKNOWN (not acknowledged, so not counted);
  // the outage was seen as 503s.
  const statuses = [...stats.statuses.keys()];
  expect(statuses.filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
  expect(statuses).toEqual(expect.arrayContaining([201, 503]));
  // Everyone reconnected by themselves: the gateway is ready, no app exited.
  expect((await gatewayFetch(`${gateway.url}/ready`)).status).toBe(200);
  for (const app of apps) expect(app.child.exitCode).toBeNull();
});
