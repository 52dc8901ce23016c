import { runBenchScript } from '../lib/script.js';
import { size, type Section } from '../lib/section.js';

interface NoopRow {
  concurrency: number;
  jobs: number;
  bare: number;
  agentq: number;
  ratio: string;
  /** agentq against the bare run just before it, run by run; `ratio` is their median. */
  runRatios: string[];
}

/** No-op throughput of one in-process worker by concurrency: apps/worker/bench/no-op.bench.mjs. */
export const noopConcurrencySection: Section = {
  id: 'noop-concurrency',
  title: 'No-op throughput, one worker, by concurrency',
  method: `\`apps/worker/bench/no-op.bench.mjs\` (also \`pnpm bench:worker\`): agentq's pool worker in-process
(the \`echo\` agent through the whole processor: contract and input validation, cancel
check, time limit, metrics, one JSON log line per completion) against a bare BullMQ \`Worker\`
with an empty processor; same queue, job options and retention; jobs queued before the worker
starts, timed to the last completion; jobs/s are medians of interleaved runs, and the ratio
is the median of each run's agentq figure over the bare one just before it. Sizes:
BENCH_NOOP_RUNS (5), BENCH_NOOP_SCALE (job counts × scale).`,
  async run(context) {
    const runs = size('BENCH_NOOP_RUNS', 5, context);
    const result = (await runBenchScript('apps/worker/bench/no-op.bench.mjs', {
      REDIS_URL: context.redisUrl,
      BENCH_NOOP_RUNS: String(runs),
      BENCH_NOOP_SCALE: process.env.BENCH_NOOP_SCALE ?? String(context.scale),
    })) as { runs: number; rows: NoopRow[] };
    return {
      tables: [
        {
          caption: `Medians of ${result.runs} runs, jobs/s; ratio: median of the per-run ratios.`,
          headers: ['concurrency', 'jobs', 'bare BullMQ', 'agentq', 'ratio', 'per-run ratios'],
          rows: result.rows.map((r) => [
            r.concurrency,
            r.jobs,
            r.bare,
            r.agentq,
            r.ratio,
            r.runRatios.join(' / '),
          ]),
        },
      ],
      notes: [
        "Where the difference goes: the same two BullMQ scripts per task on both sides (the cancel check answers from the cancels the worker loaded and heard, no round trip); agentq spends its extra CPU in the processor (zod parsing of data and input, a timer per task for its time limit, a few more promise turns) and in each task's metrics and log line, which are written once the next fetch has been sent, so that at concurrency 1 they overlap the wait for Redis instead of holding up the next task. A pool with no rate limit of its own has no limiter in the fetch script.",
      ],
    };
  },
};
