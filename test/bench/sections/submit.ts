import { scriptSection } from '../lib/script.js';

/** HTTP submit throughput: apps/gateway/bench/gateway.bench.mjs, run as it is. */
export const submitSection = scriptSection({
  id: 'submit',
  title: 'HTTP submit throughput',
  method: `\`apps/gateway/bench/gateway.bench.mjs\` (also \`pnpm bench:gateway\`): autocannon, as a child
process, posts over loopback to the whole gateway in-process (Nest on Fastify, validation,
admission, idempotency, tenant index, metrics) — \`POST /v1/tasks\` with one echo task, and
\`POST /v1/tasks/batch\` with 100 — and, in the same rounds, to a bare Fastify route that only
calls \`queue.add\` / \`queue.addBulk\`, once with the job options the gateway sets (the fair
comparison: the same jobs in Redis) and once with BullMQ's defaults. Admission limits are set
too high to refuse anything. Latencies are per request; CPU is the serving process's per task.
Sizes: BENCH_SECONDS (per run, default 5 × scale), BENCH_CONNECTIONS (16), BENCH_ROUNDS (3).`,
  script: 'apps/gateway/bench/gateway.bench.mjs',
  env: (scale) => ({
    BENCH_SECONDS: process.env.BENCH_SECONDS ?? String(Math.max(1, Math.round(5 * scale))),
    BENCH_ROUNDS:
      process.env.BENCH_ROUNDS ?? String(Math.max(1, Math.round(3 * Math.min(1, scale * 4)))),
  }),
});
