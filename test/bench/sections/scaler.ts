import { setTimeout as sleep } from 'node:timers/promises';
import { ScalerRig } from '../lib/scaler-rig.js';
import { size, type BenchContext, type Section } from '../lib/section.js';
import { format, median } from '../lib/stats.js';
import { BenchQueue } from '../lib/workload.js';

const TASK_MS = 500;
const MAX = 4;
const SIM = { agent: 'sim', input: { latencyMs: TASK_MS } };
/** Every run: 1..4 workers, a 1 s interval, a 2 s lease, the default 15 s up-cooldown. */
const BASE = {
  AGENTQ_SCALER_MIN_REPLICAS: '1',
  AGENTQ_SCALER_MAX_REPLICAS: String(MAX),
  AGENTQ_SCALER_INTERVAL_MS: '1000',
  AGENTQ_SCALER_LEASE_TTL_MS: '2000',
};
/** The step and the kill: a backlog that calls for the maximum at once. */
const STEP = { ...BASE, AGENTQ_SCALER_BACKLOG_DRAIN_S: '5' };

/** Seconds from a step of `tasks` tasks: decision, first new worker ready, all 4 ready. */
async function stepRun(context: BenchContext, run: number, tasks: number): Promise<number[]> {
  const bench = new BenchQueue(context.redisUrl, context.prefix(`scaler-step-${run}`));
  const rig = await ScalerRig.start(context.redisUrl, bench.prefix, STEP);
  try {
    await rig.ready(1);
    const mark = rig.app.lines.length;
    const stepAt = Date.now();
    await bench.fill(tasks, SIM);
    const up = await rig.app.waitFor(
      (line) => line.msg === 'scale up' && rig.app.lines.indexOf(line) >= mark,
      'scale-up decision',
      60_000,
    );
    const second = await rig.ready(2);
    const full = await rig.ready(MAX);
    return [Number(up.time) - stepAt, second - stepAt, full - stepAt];
  } finally {
    await bench.queue.obliterate({ force: true });
    await rig.app.stop();
    await bench.close();
  }
}

/** Seconds from a leader's SIGKILL (pool at 4, standby up): 4 asked for, 4 ready. */
async function killRun(context: BenchContext, run: number, tasks: number): Promise<number[]> {
  const bench = new BenchQueue(context.redisUrl, context.prefix(`scaler-kill-${run}`));
  const leader = await ScalerRig.start(context.redisUrl, bench.prefix, STEP);
  const standby = await ScalerRig.start(context.redisUrl, bench.prefix, STEP);
  try {
    await bench.fill(tasks, SIM);
    await leader.ready(MAX);
    const killedAt = Date.now();
    await leader.app.stop('SIGKILL');
    const asked = await standby.when((pool) => pool.current >= MAX, 'pool restored');
    const ready = await standby.ready(MAX);
    return [asked - killedAt, ready - killedAt];
  } finally {
    await bench.queue.obliterate({ force: true });
    await standby.app.stop();
    await bench.close();
  }
}

/**
 * Arrivals rising linearly from `from` to `to` tasks/s over `seconds`, added every 100 ms;
 * answers the mean and max wait (processedOn − timestamp) in ms of every task.
 */
async function rampRun(
  context: BenchContext,
  predictive: boolean,
  ramp: { from: number; to: number; seconds: number },
): Promise<{ mean: number; max: number; tasks: number }> {
  const bench = new BenchQueue(context.redisUrl, context.prefix(`scaler-ramp-${predictive}`));
  const rig = await ScalerRig.start(context.redisUrl, bench.prefix, {
    ...BASE,
    AGENTQ_SCALER_PREDICTIVE: String(predictive),
  });
  try {
    await rig.ready(1);
    const start = Date.now();
    let due = 0;
    let added = 0;
    for (let elapsed = 0; elapsed < ramp.seconds * 1000; elapsed = Date.now() - start) {
      const rate = ramp.from + ((ramp.to - ramp.from) * elapsed) / (ramp.seconds * 1000);
      due += rate / 10;
      const batch = Math.floor(due - added);
      added += batch;
      await bench.fill(batch, SIM);
      // Pacing the arrivals is the workload itself: nothing to await.
      await sleep(100);
    }
    await bench.drained();
    const jobs = await bench.queue.getJobs(['completed'], 0, -1);
    const waits = jobs.map((job) => (job.processedOn ?? job.timestamp) - job.timestamp);
    return {
      mean: waits.reduce((sum, w) => sum + w, 0) / Math.max(1, waits.length),
      max: Math.max(...waits),
      tasks: waits.length,
    };
  } finally {
    await rig.app.stop();
    await bench.close();
  }
}

const row = (label: string, values: number[]) => [
  label,
  format.seconds(median(values)),
  format.seconds(Math.min(...values)),
  format.seconds(Math.max(...values)),
];

/** How fast the scaler brings capacity: after a step, after a leader's death, on a ramp. */
export const scalerSection: Section = {
  id: 'scaler',
  title: "Scaler's reaction to a step in load, a leader kill and a ramp",
  method: `Scaler processes (local actuator; minimum 1, maximum ${MAX} workers of 10 slots, interval 1 s,
lease 2 s, the default 15 s up-cooldown), \`sim\` tasks of ${TASK_MS} ms; readiness read from the
scaler's \`/status\` every 100 ms.
**Step**: one idle worker; BENCH_SCALER_TASKS tasks (2,000 × scale, at least 1,000) queued at once,
AGENTQ_SCALER_BACKLOG_DRAIN_S=5; seconds to the \`scale up\` decision, the first new worker ready and
all ${MAX} ready. **Leader kill**: a leader and a standby, the leader at ${MAX} workers under that backlog, is
SIGKILLed; seconds until the standby asked for ${MAX} workers and until they are ready.
BENCH_SCALER_RUNS runs of each (3 × scale), median. **Ramp**: arrivals rising linearly from 5 to 70
tasks/s over BENCH_SCALER_RAMP_S seconds (40 × scale, at least 10), other knobs at their defaults,
with \`AGENTQ_SCALER_PREDICTIVE\` off and on; the mean and max wait (start − enqueue) of every task.`,
  async run(context) {
    const runs = size('BENCH_SCALER_RUNS', 3, context);
    // Fewer would not call for more workers: the step must be a step at any scale.
    const tasks = size('BENCH_SCALER_TASKS', 2000, context, 1000);
    const rampS = size('BENCH_SCALER_RAMP_S', 40, context, 10);
    const steps: number[][] = [];
    const kills: number[][] = [];
    for (let run = 0; run < runs; run++) {
      steps.push(await stepRun(context, run, tasks));
      context.log(
        `step ${run + 1}/${runs}: ${(steps.at(-1) ?? []).map(format.seconds).join(', ')} s`,
      );
      kills.push(await killRun(context, run, tasks));
      context.log(
        `kill ${run + 1}/${runs}: ${(kills.at(-1) ?? []).map(format.seconds).join(', ')} s`,
      );
    }
    const ramps = [];
    for (const predictive of [false, true]) {
      const ramp = await rampRun(context, predictive, { from: 5, to: 70, seconds: rampS });
      ramps.push({ predictive, ...ramp });
      context.log(`ramp predictive=${predictive}: ${JSON.stringify(ramp)}`);
    }
    const column = (runsOf: number[][], i: number) => runsOf.map((values) => values[i] ?? NaN);
    return {
      tables: [
        {
          caption: `${tasks} tasks of ${TASK_MS} ms at once; ${runs} runs; seconds.`,
          headers: ['', 'median', 'min', 'max'],
          rows: [
            row('step → scale-up decision', column(steps, 0)),
            row('step → first new worker ready', column(steps, 1)),
            row(`step → desired capacity (${MAX}) ready`, column(steps, 2)),
            row(`leader kill → pool restored (${MAX} asked)`, column(kills, 0)),
            row(`leader kill → ${MAX} workers ready`, column(kills, 1)),
          ],
        },
        {
          caption: `Ramp 5 → 70 tasks/s over ${rampS} s; wait from enqueue to start, seconds.`,
          headers: ['prediction', 'tasks', 'mean wait', 'max wait'],
          rows: ramps.map((ramp) => [
            ramp.predictive ? 'on' : 'off',
            String(ramp.tasks),
            format.seconds(ramp.mean),
            format.seconds(ramp.max),
          ]),
        },
      ],
      notes: [
        'Scale-up steps again as soon as the workers of the last step are ready (1 → 3 → 4), not after the 15 s cooldown.',
        'A new leader restores the pool its predecessor last published at its first tick; most of the time is the lease running out (2 s) and the worker processes starting.',
      ],
    };
  },
};
