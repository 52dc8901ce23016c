import { randomUUID } from 'node:crypto';
import { TaskSpecSchema } from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { AppProcess, type LogLine } from '../../helpers/app-process.js';
import { pollUntil } from '../../helpers/system.js';
import { size, type Section } from '../lib/section.js';
import { format, median } from '../lib/stats.js';
import { BenchQueue } from '../lib/workload.js';

/** Long enough to be running still when its worker is killed. */
const TASK_MS = 30_000;
/** Long enough to be running still when its frozen worker is thawed (after lock + check). */
const FROZEN_TASK_MS = 20_000;

/** The figures before the fast path, when only lock expiry handed tasks over. */
const LOCK_EXPIRY_ONLY =
  'Before (lock expiry only; 2026-11-24, same machine: AMD EPYC, 2 cores, node v20.20.2, redis 7.0.15, bullmq 6.7.0): median 6.0 s, min 6.0 s, max 6.0 s over 10 runs, short profile.';

/** Time from SIGKILL of the worker running a task to another worker starting it. */
export const failoverSection: Section = {
  id: 'failover',
  title: 'Failover after SIGKILL',
  method: `A worker process runs a ${TASK_MS / 1000}-second \`sim\` task; a second worker starts and is ready; the
first is SIGKILLed; the time is until the second logs \`task started\` for that task, and until its
agent starts again (the lost run counts as a failed attempt, so after the task's backoff). Its
connections closed with it: the second sees the first gone from Redis's client list at two
looks at least the grace apart (AGENTQ_WORKER_FAILOVER_GRACE_MS, 1 s; a look every
AGENTQ_WORKER_FAILOVER_POLL_MS, 250 ms), releases the task as stalled and runs BullMQ's
stalled-job check at once. The survivor holds the next run's task, and so on:
BENCH_FAILOVER_RUNS runs (default 10), median and max; target median ≤ 1.5 s, max ≤ 3 s. Lock
settings are the worker's (\`short\` profile: lock 6 s, check 2 s) unless BENCH_FAILOVER_LOCK_MS
/ BENCH_FAILOVER_STALLED_MS set them. Then one frozen worker: it runs a ${FROZEN_TASK_MS / 1000}-second task, is
SIGSTOPped (it keeps its connections, so the fast path must leave its task alone) until the
survivor takes the task over by lock expiry, then SIGCONTed: it finds its lock gone and stops
its run; the task completes exactly once. Lock expiry alone (still the fallback for hangs and
partitions) takes about lock + check; BullMQ's own defaults (30 s lock, 30 s check) took 58.5 s
on this kind of machine (docs ANCHORS).`,
  async run(context) {
    const runs = size('BENCH_FAILOVER_RUNS', 10, context);
    const lockMs = process.env.BENCH_FAILOVER_LOCK_MS;
    const stalledMs = process.env.BENCH_FAILOVER_STALLED_MS;
    const bench = new BenchQueue(context.redisUrl, context.prefix('failover'));
    const env: Record<string, string> = {
      REDIS_URL: context.redisUrl,
      AGENTQ_PREFIX: bench.prefix,
      AGENTQ_LOG_LEVEL: 'debug', // `task started` is a debug line
      ...(lockMs ? { AGENTQ_WORKER_LOCK_DURATION_MS: lockMs } : {}),
      ...(stalledMs ? { AGENTQ_WORKER_STALLED_INTERVAL_MS: stalledMs } : {}),
      // Each task is taken over once per run it lives through.
      AGENTQ_WORKER_MAX_STALLED_COUNT: '100',
    };
    const startWorker = async () => {
      const worker = AppProcess.app('worker', env);
      await worker.waitForMessage('ready', 60_000);
      return worker;
    };
    const startedBy = (worker: AppProcess, id: string, timeoutMs = 120_000) =>
      worker.waitFor(
        (line: LogLine) => line.msg === 'task started' && line.taskId === id,
        `task ${id}`,
        timeoutMs,
      );
    const addTask = async (latencyMs: number) => {
      const spec = TaskSpecSchema.parse({ agent: 'sim', input: { latencyMs } });
      const id = randomUUID();
      const data = { v: 1 as const, agent: 'sim', input: spec.input, tenant: 'bench' };
      await bench.queue.add('sim', data, taskJobOptions(spec, id));
      return id;
    };
    const times: number[] = [];
    const agentTimes: number[] = [];
    const agentStartedBy = (worker: AppProcess, id: string) =>
      worker.waitFor(
        (line: LogLine) => line.msg === 'agent started' && line.taskId === id,
        `agent of ${id}`,
        120_000,
      );
    const all: AppProcess[] = [];
    let frozen: FrozenRun | undefined;
    try {
      let holder = await startWorker();
      all.push(holder);
      for (let run = 0; run < runs; run++) {
        const id = await addTask(TASK_MS);
        await startedBy(holder, id);
        const next = await startWorker();
        all.push(next);
        const killedAt = Date.now();
        await holder.stop('SIGKILL');
        const started = await startedBy(next, id);
        times.push(Number(started.time) - killedAt);
        // The lost run is a failed attempt: the agent itself runs again after the backoff.
        const rerun = await agentStartedBy(next, id);
        agentTimes.push(Number(rerun.time) - killedAt);
        context.log(
          `failover ${run + 1}/${runs}: ${format.seconds(times.at(-1) ?? Number.NaN)} s, agent again ${format.seconds(agentTimes.at(-1) ?? Number.NaN)} s`,
        );
        holder = next;
      }
      const id = await addTask(FROZEN_TASK_MS);
      await startedBy(holder, id);
      const next = await startWorker();
      all.push(next);
      const completed = async () =>
        (await bench.queue.getJob(id).then((job) => job?.getState())) === 'completed';
      frozen = await freezeRun(holder, next, id, startedBy, completed);
      context.log(`frozen worker: ${JSON.stringify(frozen)}`);
    } finally {
      await Promise.all(all.map((worker) => worker.stop('SIGKILL')));
      await bench.close();
    }
    const settings =
      lockMs || stalledMs
        ? `lock ${lockMs ?? 'profile'} ms, check ${stalledMs ?? 'profile'} ms`
        : 'short profile: lock 6 s, check 2 s';
    return {
      tables: [
        {
          caption: `SIGKILL → the survivor takes the task (and its agent runs again after the task's backoff), ${runs} runs, ${settings}.`,
          headers: ['from SIGKILL to', 'median s', 'min s', 'max s'],
          rows: [
            [
              'task started (taken over)',
              format.seconds(median(times)),
              format.seconds(Math.min(...times)),
              format.seconds(Math.max(...times)),
            ],
            [
              'agent started again',
              format.seconds(median(agentTimes)),
              format.seconds(Math.min(...agentTimes)),
              format.seconds(Math.max(...agentTimes)),
            ],
          ],
        },
        {
          caption: 'One worker frozen (SIGSTOP) while it runs a task, thawed after the takeover.',
          headers: ['released by the fast path', 'frozen worker stopped its run', 'completions'],
          rows: [
            [
              frozen?.released ? 'yes' : 'no',
              frozen?.stoppedItsRun ? 'yes' : 'no',
              frozen?.completions ?? 0,
            ],
          ],
        },
      ],
      notes: [
        'Every run: the task ran again on the survivor (at least once), none was lost.',
        LOCK_EXPIRY_ONLY,
      ],
    };
  },
};

interface FrozenRun {
  /** Whether the fast path released the frozen worker's task (it must not). */
  released: boolean;
  /** Whether the thawed worker found its lock gone and stopped its run. */
  stoppedItsRun: boolean;
  /** `task completed` lines of both workers for the task. */
  completions: number;
}

/**
 * Freezes `holder` while it runs task `id`, until `next` takes the task over (by lock
 * expiry), thaws it, and waits for the task to complete (on either worker).
 */
async function freezeRun(
  holder: AppProcess,
  next: AppProcess,
  id: string,
  startedBy: (worker: AppProcess, id: string) => Promise<LogLine>,
  completed: () => Promise<boolean>,
): Promise<FrozenRun> {
  holder.child.kill('SIGSTOP');
  try {
    await startedBy(next, id);
  } finally {
    holder.child.kill('SIGCONT');
  }
  const about = (msg: string) => (line: LogLine) => line.msg === msg && line.taskId === id;
  // The lost run was a failed attempt: the rerun goes to whichever worker fetches it.
  await pollUntil(completed, `task ${id} to complete`, { timeoutMs: 120_000 });
  const stoppedItsRun = await holder
    .waitFor(about('lost the lock of a running task; stopping it'), 'the stop', 10_000)
    .then(() => true)
    .catch(() => false);
  const released = next.lines.some(
    (line) =>
      line.msg === 'released the tasks of a worker that disconnected' &&
      Array.isArray(line.taskIds) &&
      line.taskIds.includes(id),
  );
  const completions = [holder, next].flatMap((worker) =>
    worker.lines.filter(about('task completed')),
  ).length;
  return { released, stoppedItsRun, completions };
}
