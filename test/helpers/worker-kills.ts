import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultRig } from './fault-rig.js';
import { outcomeLine, submitLoad } from './load-client.js';
import { FAST_TAKEOVER, startGateway, startWorker } from './system.js';

export interface WorkerKillRun {
  tasks: number;
  /** Each `sim` task's duration. */
  taskMs: number;
  killEveryMs: number;
  workers: number;
  /** The workers' settings beside the run's own (a tenant limit, say). */
  workerEnv?: Record<string, string>;
  /** Names the printed line. */
  name: string;
}

/**
 * Submits `tasks` while a random worker of `workers` is SIGKILLed (and replaced) every
 * `killEveryMs`; waits for every acknowledged task to finish. Answers what the load saw and
 * how the tasks ended, and prints them on one line.
 */
export async function runUnderWorkerKills(rig: FaultRig, run: WorkerKillRun) {
  const env = { REDIS_URL: rig.redis.url, AGENTQ_PREFIX: rig.prefix };
  const workerEnv = {
    ...env,
    ...FAST_TAKEOVER,
    AGENTQ_CONCURRENCY: '20',
    AGENTQ_LOG_LEVEL: 'info',
    // A task can be caught by two kills in a row (taken over by the next worker to die); the
    // default (1) would then fail it. Here every takeover must lead to completion.
    AGENTQ_WORKER_MAX_STALLED_COUNT: '10',
    ...run.workerEnv,
  };
  const gateway = await startGateway(env);
  rig.apps.push(gateway.app);
  const workers = await Promise.all(
    Array.from({ length: run.workers }, () => startWorker(workerEnv)),
  );
  rig.apps.push(...workers);

  let killing = true;
  let kills = 0;
  const killer = (async () => {
    while (killing) {
      await sleep(run.killEveryMs);
      if (!killing) break;
      const index = Math.floor(Math.random() * workers.length);
      await workers[index]?.stop('SIGKILL');
      kills++;
      const replacement = await startWorker(workerEnv);
      rig.apps.push(replacement);
      workers[index] = replacement;
    }
  })();

  let stats;
  try {
    stats = await submitLoad({
      url: `${gateway.url}/v1/tasks`,
      count: run.tasks,
      concurrency: 10,
      body: (i) => ({ agent: 'sim', input: { latencyMs: run.taskMs, output: i } }),
    });
    await rig.outcomes.waitForAll(stats.acknowledged);
  } finally {
    killing = false;
    await killer;
  }
  const result = await rig.outcomes.outcomes(stats.acknowledged);
  process.stdout.write(outcomeLine(`${run.name} (${kills} kills)`, stats, result));
  return { stats, result, kills };
}
