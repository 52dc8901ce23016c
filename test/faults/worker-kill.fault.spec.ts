import { useFaultRig } from '../helpers/fault-rig.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { outcomeLine, submitLoad } from '../helpers/load-client.js';
import { FAST_TAKEOVER, sizeFromEnv, startGateway, startWorker } from '../helpers/system.js';

// A random worker of three is SIGKILLed every few seconds (and replaced) while thousands of
// short tasks run: every acknowledged task completes, each result is recorded once, and the
// line says how many ran twice (delivery is at least once). Sizes for a bigger manual run:
// FAULT_TASKS, FAULT_TASK_MS (each task's duration), FAULT_KILL_EVERY_MS.

const TASKS = sizeFromEnv('FAULT_TASKS', 5000);
const TASK_MS = sizeFromEnv('FAULT_TASK_MS', 200);
const KILL_EVERY_MS = sizeFromEnv('FAULT_KILL_EVERY_MS', 2000);
const WORKERS = 3;
const PREFIX = 'agentq-fault';
const WORKER_ENV = {
  ...FAST_TAKEOVER,
  AGENTQ_CONCURRENCY: '20',
  AGENTQ_LOG_LEVEL: 'info',
  // A task can be caught by two kills in a row (taken over by the next worker to die); the
  // default (1) would then fail it. Here every takeover must lead to completion.
  AGENTQ_WORKER_MAX_STALLED_COUNT: '10',
};

const rig = useFaultRig(PREFIX, { aof: false, stopSignal: 'SIGKILL' });

it('completes every acknowledged task while workers are SIGKILLed one after another', async () => {
  const env = { REDIS_URL: rig.redis.url, AGENTQ_PREFIX: PREFIX };
  const gateway = await startGateway(env);
  rig.apps.push(gateway.app);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () => startWorker({ ...env, ...WORKER_ENV })),
  );
  rig.apps.push(...workers);

  // Kills a random worker and starts its replacement, until told to stop.
  let killing = true;
  let kills = 0;
  const killer = (async () => {
    while (killing) {
      await sleep(KILL_EVERY_MS);
      if (!killing) break;
      const index = Math.floor(Math.random() * workers.length);
      await workers[index]?.stop('SIGKILL');
      kills++;
      const replacement = await startWorker({ ...env, ...WORKER_ENV });
      rig.apps.push(replacement);
      workers[index] = replacement;
    }
  })();

  let stats;
  try {
    stats = await submitLoad({
      url: `${gateway.url}/v1/tasks`,
      count: TASKS,
      concurrency: 10,
      body: (i) => ({ agent: 'sim', input: { latencyMs: TASK_MS, output: i } }),
    });
    await rig.outcomes.waitForAll(stats.acknowledged);
  } finally {
    killing = false;
    await killer;
  }
  const result = await rig.outcomes.outcomes(stats.acknowledged);
  process.stdout.write(outcomeLine(`worker-kill (${kills} kills)`, stats, result));

  expect(stats.acknowledged).toHaveLength(TASKS);
  expect(kills).toBeGreaterThan(0);
  expect(result.lost).toEqual([]);
  expect(result.completedTwice).toEqual([]);
});
