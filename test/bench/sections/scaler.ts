import { AppProcess, type LogLine } from '../../helpers/app-process.js';
import { freePort } from '../../helpers/ports.js';
import { size, type Section } from '../lib/section.js';
import { format, median } from '../lib/stats.js';
import { BenchQueue } from '../lib/workload.js';

const TASK_MS = 500;

/** How fast the scaler answers a step in load: decision, then a new worker ready. */
export const scalerSection: Section = {
  id: 'scaler',
  title: "Scaler's reaction to a step in load",
  method: `A scaler process (local actuator, its defaults — 2 s interval — except minimum 1, maximum 4
AGENTQ_SCALER_BACKLOG_DRAIN_S=5, so that the step calls for more workers, and AGENTQ_SCALER_UP_COOLDOWN_S=1, so that the scale-up to the first worker, a moment before, does not hold it back)
runs one idle worker. At once BENCH_SCALER_TASKS \`sim\` tasks of ${TASK_MS} ms (2,000 × scale) are
queued (at least 1,000); measured from then: the \`scale up\` decision, and the first new worker ready (process
start included). BENCH_SCALER_RUNS runs (3 × scale), median.`,
  async run(context) {
    const runs = size('BENCH_SCALER_RUNS', 3, context);
    // Fewer would not call for a second worker: the step must be a step at any scale.
    const tasks = size('BENCH_SCALER_TASKS', 2000, context, 1000);
    const decisions: number[] = [];
    const ready: number[] = [];
    for (let run = 0; run < runs; run++) {
      const bench = new BenchQueue(context.redisUrl, context.prefix(`scaler-${run}`));
      const scaler = AppProcess.app('scaler', {
        REDIS_URL: context.redisUrl,
        AGENTQ_PREFIX: bench.prefix,
        AGENTQ_LOG_LEVEL: 'info',
        // The tests follow the workers through the lines the scaler re-writes.
        AGENTQ_SCALER_CHILD_LOGS: 'inherit',
        AGENTQ_SCALER_HTTP_PORT: String(await freePort()),
        AGENTQ_SCALER_HTTP_HOST: '127.0.0.1',
        AGENTQ_SCALER_MIN_REPLICAS: '1',
        AGENTQ_SCALER_MAX_REPLICAS: '4',
        AGENTQ_SCALER_BACKLOG_DRAIN_S: '5',
        // The start-up scale-up (to the minimum) must not hold the step back by its cooldown.
        AGENTQ_SCALER_UP_COOLDOWN_S: '1',
      });
      try {
        const isWorkerReady = (line: LogLine) => line.app === 'worker' && line.msg === 'ready';
        await scaler.waitFor(isWorkerReady, 'the first worker', 60_000);
        // Only lines after the step count (the first worker came with a scale-up too).
        const after = (mark: number) => (line: LogLine) => scaler.lines.indexOf(line) >= mark;
        const stepLine = scaler.lines.length;
        const stepAt = Date.now();
        await bench.fill(tasks, { agent: 'sim', input: { latencyMs: TASK_MS } });
        const up = await scaler.waitFor(
          (line) => line.msg === 'scale up' && after(stepLine)(line),
          'scale-up decision',
          60_000,
        );
        const upLine = scaler.lines.indexOf(up);
        const second = await scaler.waitFor(
          (line) => isWorkerReady(line) && after(upLine)(line),
          'new worker ready',
          60_000,
        );
        decisions.push(Number(up.time) - stepAt);
        ready.push(Number(second.time) - stepAt);
        context.log(
          `scaler ${run + 1}/${runs}: decision ${format.seconds(decisions.at(-1) ?? 0)} s, worker ready ${format.seconds(ready.at(-1) ?? 0)} s`,
        );
      } finally {
        await bench.queue.obliterate({ force: true });
        await scaler.stop();
        await bench.close();
      }
    }
    return {
      tables: [
        {
          caption: `${tasks} tasks of ${TASK_MS} ms at once; ${runs} runs; seconds from the step.`,
          headers: ['', 'median', 'min', 'max'],
          rows: [
            [
              'scale-up decision',
              format.seconds(median(decisions)),
              format.seconds(Math.min(...decisions)),
              format.seconds(Math.max(...decisions)),
            ],
            [
              'first new worker ready',
              format.seconds(median(ready)),
              format.seconds(Math.min(...ready)),
              format.seconds(Math.max(...ready)),
            ],
          ],
        },
      ],
      notes: [
        'The decision waits for the next observation (interval 2 s); a new worker then needs its process start (node, modules, Redis) before it takes tasks.',
      ],
    };
  },
};
