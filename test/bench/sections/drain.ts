import type { AppProcess } from '../../helpers/app-process.js';
import { size, type Section } from '../lib/section.js';
import { format, timed } from '../lib/stats.js';
import { BenchQueue, peakRssMb, startWorkers, type WorkerKind } from '../lib/workload.js';

const TASK_MS = 2000;
/** The worker's own upper bound on AGENTQ_CONCURRENCY. */
const MAX_CONCURRENCY = 10_000;

/** Many in-flight 2-second tasks at once: time to drain and peak memory per worker. */
export const drainSection: Section = {
  id: 'drain',
  title: 'Many in-flight 2-second tasks',
  method: `N \`sim\` tasks of ${TASK_MS / 1000} s each (N = BENCH_DRAIN_TASKS, default 50,000 × scale) are queued while
the queue is paused; W worker processes (BENCH_DRAIN_WORKERS, default 5) with N / W slots each
(at most ${MAX_CONCURRENCY.toLocaleString('en-US')}, the worker's limit) start, so every task can be in flight at
once; the clock runs from \`resume()\` to the last task done. Peak memory is each process's
peak resident set (VmHWM). Both sides use the same lock and stalled-job check: 30 s and 15 s
(BENCH_DRAIN_LOCK_MS, BENCH_DRAIN_STALLED_MS; agentq needs the check shorter than the lock),
the \`llm-stream\` profile's kind of settings for many waiting tasks. The raw counterpart: bare BullMQ processes whose processor sleeps
${TASK_MS / 1000} s, same slots. The floor is ${TASK_MS / 1000} s; the rest is fetching one job per round trip and
the ramp of a worker starting against a deep queue (docs ANCHORS).`,
  async run(context) {
    const tasks = size('BENCH_DRAIN_TASKS', 50_000, context, 10);
    const workersCount = Number(process.env.BENCH_DRAIN_WORKERS ?? 5);
    const concurrency = Math.min(MAX_CONCURRENCY, Math.ceil(tasks / workersCount));
    const locks = {
      lockMs: Number(process.env.BENCH_DRAIN_LOCK_MS ?? 30_000),
      stalledMs: Number(process.env.BENCH_DRAIN_STALLED_MS ?? 15_000),
    };
    const measure = async (kind: WorkerKind) => {
      let workers: AppProcess[] = [];
      const bench = new BenchQueue(context.redisUrl, context.prefix(`drain-${kind}`));
      try {
        await bench.queue.pause();
        await bench.fill(tasks, { agent: 'sim', input: { latencyMs: TASK_MS } });
        workers = await startWorkers({
          kind,
          count: workersCount,
          concurrency,
          redisUrl: context.redisUrl,
          prefix: bench.prefix,
          sleepMs: TASK_MS,
          locks,
        });
        const { ms } = await timed(async () => {
          await bench.queue.resume();
          await bench.drained(200);
        });
        const memory = await Promise.all(workers.map((worker) => peakRssMb(worker.child.pid)));
        context.log(`drain ${kind}: ${format.seconds(ms)} s`);
        return {
          ms,
          peakMb: Math.max(...memory),
          meanMb: memory.reduce((a, b) => a + b, 0) / memory.length,
          busy: bench.busyReplies,
        };
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
        await bench.close();
      }
    };
    const raw = await measure('raw');
    const agentq = await measure('agentq');
    return {
      tables: [
        {
          caption: `${format.count(tasks)} tasks, ${workersCount} processes × ${format.count(concurrency)} slots; lock ${locks.lockMs / 1000} s, stalled check ${locks.stalledMs / 1000} s.`,
          headers: ['workers', 'time to drain s', 'peak RSS per worker MB (max)', 'mean MB'],
          rows: [
            [
              'raw BullMQ',
              format.seconds(raw.ms),
              format.count(raw.peakMb),
              format.count(raw.meanMb),
            ],
            [
              'agentq',
              format.seconds(agentq.ms),
              format.count(agentq.peakMb),
              format.count(agentq.meanMb),
            ],
          ],
        },
      ],
      notes: [
        ...[raw, agentq]
          .filter((m) => m.busy > 0)
          .map(
            (m) =>
              `${m === raw ? 'raw' : 'agentq'}: Redis answered BUSY ${m.busy} time(s) while the run was polled — a BullMQ script (the stalled-job check walks every active job) ran past Redis's 5 s limit.`,
          ),
        `agentq / raw: time ${format.ratio(agentq.ms, raw.ms)}×, peak memory ${format.ratio(agentq.peakMb, raw.peakMb)}×.`,
      ],
    };
  },
};
