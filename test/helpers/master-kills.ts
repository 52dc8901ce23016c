import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisTarget } from '@agentq/queue';
import type { AppProcess } from './app-process.js';
import { outcomeLine, submitLoad, type SubmitStats } from './load-client.js';
import { startGateway, startWorker } from './system.js';
import { TaskOutcomes, type Outcomes } from './task-outcomes.js';

/** A replicated Redis whose master a test can SIGKILL and bring back as a replica. */
export interface KillableRedis {
  /** What the apps need to reach it. */
  env: Record<string, string>;
  /** How a test's own connections reach it. */
  target: RedisTarget;
  /** SIGKILLs the master; resolves once a replica took over and the killed node is back as one. */
  killMasterAndRecover(): Promise<void>;
}

export interface MasterKillRun {
  stats: SubmitStats;
  outcome: Outcomes;
  kills: number;
  /** The longest gaps between two acknowledgements, one per kill, longest first (ms). */
  longestGapsMs: number[];
  gatewayFailures: unknown[];
}

/** Master kills per run. */
export const KILLS = 5;

/**
 * Submits `tasks` acknowledged tasks through a gateway (acknowledging once `ackReplicas`
 * replicas have each) while a worker runs them, killing the master {@link KILLS} times evenly
 * through the load, then reads every
 * acknowledged task's outcome. A completion the killed master had not replicated is undone, and
 * that task runs again once its lock expires: those get up to a minute to finish again.
 */
export async function runMasterKills(
  redis: KillableRedis,
  options: { prefix: string; tasks: number; ackReplicas: number },
  apps: AppProcess[],
): Promise<MasterKillRun> {
  const { tasks } = options;
  const outcomes = new TaskOutcomes(redis.target, options.prefix);
  try {
    await outcomes.start();
    const env = { ...redis.env, AGENTQ_PREFIX: options.prefix };
    const gateway = await startGateway({
      ...env,
      AGENTQ_REDIS_ACK_REPLICAS: String(options.ackReplicas),
      AGENTQ_REDIS_ACK_TIMEOUT_MS: '500',
    });
    apps.push(gateway.app);
    apps.push(await startWorker({ ...env, AGENTQ_CONCURRENCY: '50' }));

    const gapsMs: number[] = [];
    let lastAckAt = Date.now();
    let acknowledgedBefore = 0;
    let killing = Promise.resolve();
    let started = 0;
    let settled = 0;
    let nextKillAt = tasks / (KILLS + 1);
    const stats = await submitLoad({
      url: `${gateway.url}/v1/tasks`,
      // Refused submits (503 while there is no master) do not count: submit until `tasks`
      // were acknowledged and every kill is over.
      count: tasks * 10,
      concurrency: 10,
      backoffMs: 50,
      done: () => settled === KILLS && acknowledgedBefore >= tasks,
      body: (i) => ({ agent: 'sim', input: { latencyMs: 5, output: i } }),
      onAnswer: (acknowledged) => {
        if (acknowledged > acknowledgedBefore) {
          gapsMs.push(Date.now() - lastAckAt);
          lastAckAt = Date.now();
        }
        acknowledgedBefore = acknowledged;
        if (started < KILLS && started === settled && acknowledged >= nextKillAt) {
          started++;
          killing = killing.then(async () => {
            await redis.killMasterAndRecover();
            settled++;
            nextKillAt = acknowledgedBefore + tasks / (KILLS + 1);
          });
        }
      },
    });
    await killing;
    await outcomes.waitForAll(stats.acknowledged);
    let outcome = await outcomes.outcomes(stats.acknowledged);
    const deadline = Date.now() + 60_000;
    while (outcome.lost.length > 0 && Date.now() < deadline) {
      await sleep(1000);
      outcome = await outcomes.outcomes(stats.acknowledged);
    }
    return {
      stats,
      outcome,
      kills: started,
      longestGapsMs: gapsMs.sort((a, b) => b - a).slice(0, KILLS),
      gatewayFailures: gateway.app.lines.filter((line) => line.msg === 'request failed'),
    };
  } finally {
    await outcomes.close();
  }
}

/** The run's two summary lines: outcomes, and unavailability per kill. */
export function masterKillLines(scenario: string, run: MasterKillRun): string {
  const gaps = run.longestGapsMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ');
  return `${outcomeLine(scenario, run.stats, run.outcome)}${scenario}: ${run.kills} kills; longest gaps between acknowledgements: ${gaps}\n`;
}

/** Every kill happened, every acknowledged task completed, and no answer was a hang or a 500. */
export function expectNothingAcknowledgedLost(run: MasterKillRun): void {
  expect(run.kills).toBe(KILLS);
  expect(run.outcome.lost).toEqual([]);
  expect(run.stats.hangs).toBe(0);
  // The gateway's own account of a failed request first: it says why, a status does not.
  expect(run.gatewayFailures).toEqual([]);
  const statuses = [...run.stats.statuses.keys()];
  expect(statuses.filter((status) => ![201, 503, 504].includes(status))).toEqual([]);
}
