import { scriptSection } from '../lib/script.js';

/** Workflow overhead per step: apps/worker/bench/workflow.bench.mjs, run as it is. */
export const workflowSection = scriptSection({
  id: 'workflow',
  title: 'Workflows: overhead per step',
  method: `\`apps/worker/bench/workflow.bench.mjs\` (also \`pnpm bench:workflow\`): the same \`echo\` steps
run as a workflow and as plain tasks, through one agentq pool worker (workflow wiring as in
the worker app) in one process. \`parallel\`: independent steps, against the same number of
tasks in one \`addBulk\`. \`chain\`: each step depends on the one before, against tasks each
added when the one before completes (what a client without workflows would do, minus HTTP).
The overhead per step is the difference divided by the steps. Sizes: BENCH_PARALLEL_STEPS
(500 × scale), BENCH_CHAIN_STEPS (100 × scale), BENCH_RUNS (3), BENCH_CONCURRENCY (10).`,
  script: 'apps/worker/bench/workflow.bench.mjs',
  env: (scale) => ({
    BENCH_PARALLEL_STEPS:
      process.env.BENCH_PARALLEL_STEPS ?? String(Math.max(20, Math.round(500 * scale))),
    BENCH_CHAIN_STEPS:
      process.env.BENCH_CHAIN_STEPS ?? String(Math.max(10, Math.round(100 * scale))),
  }),
});
