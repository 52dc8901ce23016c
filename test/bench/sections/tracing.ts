import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext, Section, SectionResult } from '../lib/section.js';
import { runBenchScript } from '../lib/script.js';

/** What the gateway bench reports for the comparison (gateway over bare, same job options). */
interface GatewaySummary {
  summary: { singleRatio: number; batchRatio: number; singleCpuMicrosPerTask: number };
}
/** What the no-op worker bench reports: one row per concurrency. */
interface NoopResult {
  rows: { concurrency: number; ratio: string }[];
}

const CONFIGS: { label: string; env: Record<string, string> }[] = [
  { label: 'off', env: {} },
  { label: 'on, 100% sampled', env: { OTEL_TRACES_SAMPLER: 'always_on' } },
  {
    label: 'on, 1% sampled',
    env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
  },
];

/** An OTLP/HTTP endpoint that takes every export and keeps only its size. */
async function startSink(): Promise<{
  url: string;
  bytes: () => number;
  close: () => Promise<void>;
}> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const tracingSection: Section = {
  id: 'tracing',
  title: 'The cost of tracing',
  method: `The gateway submit bench (\`apps/gateway/bench/gateway.bench.mjs\`) and the no-op worker bench
(\`apps/worker/bench/no-op.bench.mjs\`), each run three times: tracing off (no OTEL_* set), on with
every trace sampled, and on with 1% sampled (\`traceidratio\` 0.01), exporting OTLP/HTTP protobuf
to a sink in the suite's process. Each run measures agentq against its raw counterpart (bare
Fastify + queue.add, bare BullMQ Worker) in the same rounds, so the ratios compare across the
three runs. The worker figure is concurrency 10. Sizes: the two benches' own (BENCH_SECONDS,
BENCH_ROUNDS, BENCH_NOOP_RUNS), the worker's jobs × BENCH_NOOP_SCALE (0.3 × scale).`,
  async run(context: BenchContext): Promise<SectionResult> {
    const sink = await startSink();
    const rows: string[][] = [];
    try {
      for (const config of CONFIGS) {
        const tracing =
          config.label === 'off' ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, ...config.env };
        const before = sink.bytes();
        context.log(`tracing ${config.label}: gateway`);
        const gateway = (await runBenchScript('apps/gateway/bench/gateway.bench.mjs', {
          REDIS_URL: context.redisUrl,
          BENCH_SECONDS: String(Math.max(1, Math.round(5 * context.scale))),
          BENCH_ROUNDS: String(Math.max(1, Math.round(3 * Math.min(1, context.scale * 4)))),
          ...tracing,
        })) as GatewaySummary;
        context.log(`tracing ${config.label}: worker`);
        const worker = (await runBenchScript('apps/worker/bench/no-op.bench.mjs', {
          REDIS_URL: context.redisUrl,
          BENCH_NOOP_SCALE: String(0.3 * context.scale),
          ...tracing,
        })) as NoopResult;
        const noop = worker.rows.find((row) => row.concurrency === 10);
        rows.push([
          config.label,
          gateway.summary.singleRatio.toFixed(2),
          gateway.summary.batchRatio.toFixed(2),
          Math.round(gateway.summary.singleCpuMicrosPerTask).toLocaleString('en-US'),
          noop?.ratio ?? '?',
          Math.round((sink.bytes() - before) / 1024).toLocaleString('en-US'),
        ]);
      }
    } finally {
      await sink.close();
    }
    return {
      tables: [
        {
          caption: 'agentq over its raw counterpart, same run; higher is better.',
          headers: [
            'tracing',
            'gateway single / bare',
            'gateway batch / bare',
            'gateway CPU µs/task',
            'worker no-op / bare (c=10)',
            'exported KiB',
          ],
          rows,
        },
      ],
    };
  },
};
