import type { AppProcess } from '../../helpers/app-process.js';
import { size, type Section } from '../lib/section.js';
import { format, median, timed } from '../lib/stats.js';
import { BenchQueue, startWorkers, type WorkerKind } from '../lib/workload.js';

const PROCESSES = [1, 2, 3];
const CONCURRENCY = 100;

/** No-op throughput with 1, 2 and 3 worker processes, agentq against raw BullMQ. */
export const noopProcessesSection: Section = {
  id: 'noop-processes',
  title: 'No-op throughput by worker processes',
  method: `1, 2 and 3 worker processes, concurrency ${CONCURRENCY} each: agentq workers
(\`apps/worker/dist/main.js\`, the \`echo\` agent, logs at info) against processes running a bare
BullMQ \`Worker\` with an empty processor (\`test/bench/lib/raw-worker.ts\`). The jobs (the
gateway's data and options) are queued while the queue is paused and the workers start; the
clock runs from \`resume()\` to the last job done. Median of interleaved runs, jobs/s. Sizes:
BENCH_NOOP_JOBS (20,000 × scale), BENCH_NOOP_PROC_RUNS (3 × scale).`,
  async run(context) {
    const jobs = size('BENCH_NOOP_JOBS', 20_000, context, 100);
    const runs = size('BENCH_NOOP_PROC_RUNS', 3, context);
    const measure = async (kind: WorkerKind, processes: number): Promise<number> => {
      let workers: AppProcess[] = [];
      const bench = new BenchQueue(context.redisUrl, context.prefix(`noop-${kind}-${processes}`));
      try {
        await bench.queue.pause();
        await bench.fill(jobs, { agent: 'echo' });
        workers = await startWorkers({
          kind,
          count: processes,
          concurrency: CONCURRENCY,
          redisUrl: context.redisUrl,
          prefix: bench.prefix,
        });
        const { ms } = await timed(async () => {
          await bench.queue.resume();
          await bench.drained();
        });
        return jobs / (ms / 1000);
      } finally {
        await Promise.all(workers.map((worker) => worker.stop()));
        await bench.close();
      }
    };
    const rows: (string | number)[][] = [];
    for (const processes of PROCESSES) {
      const results: Record<WorkerKind, number[]> = { raw: [], agentq: [] };
      for (let run = 0; run < runs; run++) {
        for (const kind of ['raw', 'agentq'] as const) {
          results[kind].push(await measure(kind, processes));
          context.log(
            `no-op ${kind} × ${processes}: ${format.count(results[kind].at(-1) ?? 0)} jobs/s`,
          );
        }
      }
      const raw = median(results.raw);
      const agentq = median(results.agentq);
      rows.push([
        processes,
        jobs,
        format.count(raw),
        format.count(agentq),
        format.ratio(agentq, raw),
      ]);
    }
    return {
      tables: [
        {
          caption: `Concurrency ${CONCURRENCY} per process; median of ${runs} runs; jobs/s.`,
          headers: ['processes', 'jobs', 'raw BullMQ', 'agentq', 'ratio'],
          rows,
        },
      ],
      notes: [
        'On two cores Redis and one worker process already fill the machine (raw BullMQ: ~10k jobs/s with 1 × 100, ~9.4k with 2 × 100 in docs ANCHORS): more processes add capacity only where there are cores for them.',
      ],
    };
  },
};
