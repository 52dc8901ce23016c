import { runBenchScript } from '../lib/script.js';
import { size, type Section } from '../lib/section.js';
import { format } from '../lib/stats.js';

interface GatewayRow {
  label: string;
  reqPerSec: number;
  tasksPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

/** HTTP submit throughput: apps/gateway/bench/gateway.bench.mjs, run as it is. */
export const submitSection: Section = {
  id: 'submit',
  title: 'HTTP submit throughput',
  method: `\`apps/gateway/bench/gateway.bench.mjs\` (also \`pnpm bench:gateway\`): autocannon, as a child
process, posts over loopback to the whole gateway in-process (Nest on Fastify, validation,
admission count, tenant index, metrics) — \`POST /v1/tasks\` with one echo task, and
\`POST /v1/tasks/batch\` with 100 — and, in the same run, to a bare Fastify route that only
calls \`queue.add\` / \`queue.addBulk\`. Admission limits are set too high to refuse anything.
Latencies are per request. Sizes: BENCH_SECONDS (per run, default 5 × scale),
BENCH_CONNECTIONS (16).`,
  async run(context) {
    const seconds = size('BENCH_SECONDS', 5, context);
    const result = (await runBenchScript('apps/gateway/bench/gateway.bench.mjs', {
      REDIS_URL: context.redisUrl,
      BENCH_SECONDS: String(seconds),
    })) as { connections: number; rows: GatewayRow[] };
    const [single, bareSingle, batch, bareBatch] = result.rows;
    const ratio = (a: GatewayRow | undefined, b: GatewayRow | undefined) =>
      a && b
        ? `${format.ratio(a.tasksPerSec, b.tasksPerSec)} tasks/s, p50 ${format.ratio(a.p50, b.p50)}×, p99 ${format.ratio(a.p99, b.p99)}×`
        : '—';
    return {
      tables: [
        {
          caption: `${result.connections} connections, ${seconds} s per run.`,
          headers: ['run', 'req/s', 'tasks/s', 'p50 ms', 'p99 ms', 'errors'],
          rows: result.rows.map((row) => [
            row.label,
            format.count(row.reqPerSec),
            format.count(row.tasksPerSec),
            format.ms(row.p50),
            format.ms(row.p99),
            row.errors,
          ]),
        },
      ],
      notes: [
        `gateway / bare, single: ${ratio(single, bareSingle)}.`,
        `gateway / bare, batch of 100: ${ratio(batch, bareBatch)}.`,
      ],
    };
  },
};
