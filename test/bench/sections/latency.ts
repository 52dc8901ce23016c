import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { Queue } from 'bullmq';
import { TaskSpecSchema } from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { gatewayFetch } from '../../helpers/http.js';
import { startGateway } from '../../helpers/system.js';
import { size, type BenchContext, type Section } from '../lib/section.js';
import { distribution, format, type Distribution } from '../lib/stats.js';
import { BenchQueue, startWorkers } from '../lib/workload.js';

const READ_BATCH = 200;
const MAX_IN_FLIGHT = 256;

/** Calls `submit` `rate` times a second for `seconds` (open loop), then awaits the last. */
async function paced(rate: number, seconds: number, submit: () => Promise<void>): Promise<void> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due && inFlight.size < MAX_IN_FLIGHT) {
      const request: Promise<void> = submit().finally(() => inFlight.delete(request));
      inFlight.add(request);
      sent++;
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
}

/** submit→start and submit→result of each task, from its submit time and the job's stamps. */
async function latencies(queue: Queue, submitted: Map<string, number>) {
  const start: number[] = [];
  const result: number[] = [];
  const ids = [...submitted.keys()];
  for (let i = 0; i < ids.length; i += READ_BATCH) {
    const jobs = await Promise.all(ids.slice(i, i + READ_BATCH).map((id) => queue.getJob(id)));
    for (const job of jobs) {
      const at = job?.id === undefined ? undefined : submitted.get(job.id);
      if (!job || at === undefined || !job.processedOn || !job.finishedOn) continue;
      start.push(job.processedOn - at);
      result.push(job.finishedOn - at);
    }
  }
  return { start: distribution(start), result: distribution(result) };
}

interface Measured {
  start: Distribution;
  result: Distribution;
  errors: number;
}

/** Through the gateway (HTTP) to one agentq worker process. */
async function viaAgentq(
  context: BenchContext,
  rate: number,
  seconds: number,
  concurrency: number,
): Promise<Measured> {
  const bench = new BenchQueue(context.redisUrl, context.prefix(`latency-agentq-${rate}`));
  const env = {
    REDIS_URL: context.redisUrl,
    AGENTQ_PREFIX: bench.prefix,
  };
  const gateway = await startGateway(env);
  const apps = [gateway.app];
  const submitted = new Map<string, number>();
  let errors = 0;
  try {
    const workers = await startWorkers({
      kind: 'agentq',
      count: 1,
      concurrency,
      redisUrl: context.redisUrl,
      prefix: bench.prefix,
    });
    apps.push(...workers);
    await paced(rate, seconds, async () => {
      const at = Date.now();
      const response = await gatewayFetch(`${gateway.url}/v1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent: 'echo', input: { at } }),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status === 201 && body.id) submitted.set(body.id, at);
      else errors++;
    });
    await bench.drained();
    return { ...(await latencies(bench.queue, submitted)), errors };
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await bench.close();
  }
}

/** `queue.add` from this process to one bare BullMQ worker process. */
async function viaRaw(
  context: BenchContext,
  rate: number,
  seconds: number,
  concurrency: number,
): Promise<Measured> {
  const bench = new BenchQueue(context.redisUrl, context.prefix(`latency-raw-${rate}`));
  const workers = await startWorkers({
    kind: 'raw',
    count: 1,
    concurrency,
    redisUrl: context.redisUrl,
    prefix: bench.prefix,
  });
  const spec = TaskSpecSchema.parse({ agent: 'echo' });
  const submitted = new Map<string, number>();
  try {
    await paced(rate, seconds, async () => {
      const id = randomUUID();
      const at = Date.now();
      submitted.set(id, at);
      await bench.queue.add(
        'echo',
        { v: 1, agent: 'echo', input: { at }, tenant: 'bench' },
        taskJobOptions(spec, id),
      );
    });
    await bench.drained();
    return { ...(await latencies(bench.queue, submitted)), errors: 0 };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await bench.close();
  }
}

/** submit→start and submit→result latency at three loads. */
export const latencySection: Section = {
  id: 'latency',
  title: 'Submit → start and submit → result latency',
  method: `Open-loop load at three rates (BENCH_LATENCY_RATES, default 50,200,500 tasks/s) for
BENCH_LATENCY_SECONDS (10 × scale) each: \`POST /v1/tasks\` (one \`echo\` task) to a gateway process,
run by one agentq worker process (concurrency BENCH_LATENCY_CONCURRENCY, default 10, the
\`short\` profile's). The raw counterpart adds the same jobs with \`queue.add\` from the bench
process to one bare BullMQ worker process. Start is the job's \`processedOn\`, result its
\`finishedOn\` (one machine, one clock), both from the moment the client sent the request.`,
  async run(context) {
    const rates = (process.env.BENCH_LATENCY_RATES ?? '50,200,500').split(',').map(Number);
    const seconds = size('BENCH_LATENCY_SECONDS', 10, context, 2);
    const concurrency = Number(process.env.BENCH_LATENCY_CONCURRENCY ?? 10);
    const rows: (string | number)[][] = [];
    const notes: string[] = [];
    for (const rate of rates) {
      const raw = await viaRaw(context, rate, seconds, concurrency);
      const agentq = await viaAgentq(context, rate, seconds, concurrency);
      context.log(
        `latency at ${rate}/s: agentq start p50 ${format.ms(agentq.start.p50)} ms, raw ${format.ms(raw.start.p50)} ms`,
      );
      for (const [label, m] of [
        ['raw BullMQ (queue.add)', raw],
        ['agentq (HTTP)', agentq],
      ] as const) {
        rows.push([
          rate,
          label,
          m.start.count,
          format.ms(m.start.p50),
          format.ms(m.start.p95),
          format.ms(m.start.p99),
          format.ms(m.result.p50),
          format.ms(m.result.p95),
          format.ms(m.result.p99),
        ]);
      }
      // Milliseconds added, not a ratio: the timestamps are whole milliseconds, and a raw
      // p50 of 0 ms has no meaningful ratio.
      const added = (a: number, b: number) => format.ms(a - b);
      notes.push(
        `${rate}/s: agentq adds ${added(agentq.start.p50, raw.start.p50)} ms to submit→start at p50, ${added(agentq.start.p99, raw.start.p99)} ms at p99; submit errors ${agentq.errors}.`,
      );
    }
    return {
      tables: [
        {
          caption: `${seconds} s per rate; milliseconds.`,
          headers: [
            'tasks/s',
            'path',
            'tasks',
            'start p50',
            'start p95',
            'start p99',
            'result p50',
            'result p95',
            'result p99',
          ],
          rows,
        },
      ],
      notes,
    };
  },
};
