import { randomUUID } from 'node:crypto';
import { TaskSpecSchema } from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { AppProcess, type LogLine } from '../../helpers/app-process.js';
import { size, type Section } from '../lib/section.js';
import { format, median } from '../lib/stats.js';
import { BenchQueue } from '../lib/workload.js';

/** Long enough to be running still when its worker is killed. */
const TASK_MS = 30_000;

/** Time from SIGKILL of the worker running a task to another worker starting it. */
export const failoverSection: Section = {
  id: 'failover',
  title: 'Failover after SIGKILL',
  method: `A worker process runs a ${TASK_MS / 1000}-second \`sim\` task; a second worker starts and is ready; the
first is SIGKILLed; the time is until the second logs \`task started\` for that task (its lock
expires, BullMQ's stalled-job check moves it back, the second takes it). The survivor holds
the next run's task, and so on: BENCH_FAILOVER_RUNS runs (default 10), median. Lock settings
are the worker's (\`short\` profile: lock 6 s, check 2 s) unless BENCH_FAILOVER_LOCK_MS /
BENCH_FAILOVER_STALLED_MS set them. The bound is about lock + check; BullMQ's own defaults
(30 s lock, 30 s check) took 58.5 s on this kind of machine (docs ANCHORS).`,
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
    const spec = TaskSpecSchema.parse({ agent: 'sim', input: { latencyMs: TASK_MS } });
    const times: number[] = [];
    const all: AppProcess[] = [];
    try {
      let holder = await startWorker();
      all.push(holder);
      for (let run = 0; run < runs; run++) {
        const id = randomUUID();
        await bench.queue.add(
          'sim',
          { v: 1, agent: 'sim', input: spec.input, tenant: 'bench' },
          taskJobOptions(spec, id),
        );
        await startedBy(holder, id);
        const next = await startWorker();
        all.push(next);
        const killedAt = Date.now();
        await holder.stop('SIGKILL');
        const started = await startedBy(next, id);
        times.push(Number(started.time) - killedAt);
        context.log(`failover ${run + 1}/${runs}: ${format.seconds(times.at(-1) ?? Number.NaN)} s`);
        holder = next;
      }
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
          caption: `${runs} runs, ${settings}.`,
          headers: ['median s', 'min s', 'max s'],
          rows: [
            [
              format.seconds(median(times)),
              format.seconds(Math.min(...times)),
              format.seconds(Math.max(...times)),
            ],
          ],
        },
      ],
      notes: ['Every run: the task ran again on the survivor (at least once), none was lost.'],
    };
  },
};
