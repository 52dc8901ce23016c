import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueueEvents } from 'bullmq';
import { queueName, type PoolStats } from '@agentq/contracts';
import { createRedis, createTaskQueue } from '@agentq/queue';
import { makeApiKey, gatewayKeyEnv, type ApiKey } from '../../helpers/api-keys.js';
import type { AppProcess } from '../../helpers/app-process.js';
import { http } from '../../helpers/http.js';
import { startGateway } from '../../helpers/system.js';
import { size, type BenchContext, type Section } from '../lib/section.js';
import { distribution, format, since } from '../lib/stats.js';
import { startWorkers } from '../lib/workload.js';

const BATCH = 500;
/** The flooding tenant's tasks, and how long each runs (the target is one task + 50 ms). */
const SIM_MS = 50;

type Mode = 'on' | 'off';

/** A gateway with keys for the given tenants and fair sharing on or off. */
async function gatewayFor(
  context: BenchContext,
  prefix: string,
  mode: Mode,
  keys: readonly ApiKey[],
  tenants: Record<string, { weight: number }> = {},
) {
  return startGateway({
    ...gatewayKeyEnv(keys),
    REDIS_URL: context.redisUrl,
    AGENTQ_PREFIX: prefix,
    AGENTQ_FAIR_SHARE: mode,
    AGENTQ_TENANTS: JSON.stringify(tenants),
  });
}

/** One agentq worker process on the pool, `concurrency` tasks at once. */
async function oneWorker(
  context: BenchContext,
  prefix: string,
  concurrency: number,
): Promise<AppProcess> {
  const [worker] = await startWorkers({
    kind: 'agentq',
    count: 1,
    concurrency,
    redisUrl: context.redisUrl,
    prefix,
  });
  if (!worker) throw new Error('no worker started');
  return worker;
}

/** Queues `count` tasks of one tenant in batches; answers when all are taken. */
async function flood(url: string, key: ApiKey, count: number, task: object): Promise<void> {
  for (let sent = 0; sent < count; sent += BATCH) {
    const tasks = Array.from({ length: Math.min(BATCH, count - sent) }, () => task);
    const answer = await http('POST', `${url}/v1/tasks/batch`, { tasks }, key.key);
    if (answer.status !== 201) throw new Error(`flood refused: ${answer.status}`);
  }
}

/** Counts the tasks completed while counting, per tenant (the job data names it). */
function completions(context: BenchContext, prefix: string) {
  const connection = createRedis(context.redisUrl, 'worker', 'bench-fairness-events');
  const events = new QueueEvents(queueName('default'), { connection, prefix });
  const queue = createTaskQueue('default', { connection, prefix });
  const completed: string[] = [];
  let counting = false;
  events.on('completed', ({ jobId }) => {
    if (counting) completed.push(jobId);
  });
  return {
    ready: () => events.waitUntilReady(),
    start: () => (counting = true),
    async stop(): Promise<Map<string, number>> {
      counting = false;
      const byTenant = new Map<string, number>();
      for (let i = 0; i < completed.length; i += 500) {
        const jobs = await Promise.all(completed.slice(i, i + 500).map((id) => queue.getJob(id)));
        for (const job of jobs) {
          const tenant = (job?.data as { tenant?: string } | undefined)?.tenant ?? 'unknown';
          byTenant.set(tenant, (byTenant.get(tenant) ?? 0) + 1);
        }
      }
      return byTenant;
    },
    close: async () => {
      await events.close();
      await queue.close();
      await connection.quit();
    },
  };
}

/**
 * A floods the pool with `sim` tasks; B submits one a second; B's submit→start, and the
 * tasks run meanwhile.
 */
async function oneAmongFlood(
  context: BenchContext,
  mode: Mode,
  floodSize: number,
  seconds: number,
) {
  const prefix = context.prefix(`fair-latency-${mode}`);
  const [a, b] = [makeApiKey('flood'), makeApiKey('one')];
  const gateway = await gatewayFor(context, prefix, mode, [a, b]);
  const apps: AppProcess[] = [gateway.app];
  const counter = completions(context, prefix);
  const connection = createRedis(context.redisUrl, 'worker', 'bench-fairness');
  const queue = createTaskQueue('default', { connection, prefix });
  try {
    await counter.ready();
    await flood(gateway.url, a, floodSize, { agent: 'sim', input: { latencyMs: SIM_MS } });
    apps.push(await oneWorker(context, prefix, 20));
    counter.start();
    const started = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < seconds; i++) {
      const answer = await http(
        'POST',
        `${gateway.url}/v1/tasks`,
        { agent: 'echo', input: { i } },
        b.key,
      );
      ids.push((answer.body as { id: string }).id);
      await sleep(Math.max(0, (i + 1) * 1000 - since(started)));
    }
    const ran = await counter.stop();
    const elapsed = since(started) / 1000;
    // B's tasks not started by now count with their wait so far: a lower bound (fairness off
    // leaves them behind the whole flood).
    await sleep(SIM_MS * 4);
    const now = Date.now();
    const starts: number[] = [];
    let waiting = 0;
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (!job) continue;
      if (!job.processedOn) waiting += 1;
      starts.push((job.processedOn ?? now) - job.timestamp);
    }
    const { p50, p99 } = distribution(starts);
    // A percentile is a lower bound when tasks not started yet may be above it.
    const atLeast = (share: number) => (waiting > starts.length * share ? '≥ ' : '');
    return [
      mode,
      `${format.count(starts.length)}${waiting > 0 ? ` (${waiting} not started)` : ''}`,
      atLeast(0.5) + format.ms(p50),
      atLeast(0.01) + format.ms(p99),
      format.count(Math.round((ran.get('flood') ?? 0) / elapsed)),
    ];
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await counter.close();
    await queue.close();
    await connection.quit();
  }
}

/** Two tenants flood no-op tasks; the pool's submit and run rates. */
async function noopThroughput(context: BenchContext, mode: Mode, tasks: number) {
  const prefix = context.prefix(`fair-noop-${mode}`);
  const keys = [makeApiKey('one'), makeApiKey('two')];
  const gateway = await gatewayFor(context, prefix, mode, keys);
  const apps: AppProcess[] = [gateway.app];
  try {
    const submitStart = performance.now();
    await Promise.all(
      keys.map((key) => flood(gateway.url, key, tasks / 2, { agent: 'echo', input: 1 })),
    );
    const submitRate = tasks / (since(submitStart) / 1000);
    const runStart = performance.now();
    apps.push(await oneWorker(context, prefix, 50));
    for (;;) {
      const pools = await http('GET', `${gateway.url}/v1/pools`, undefined, keys[0]?.key);
      const counts = (pools.body as { pools: PoolStats[] }).pools[0]?.counts;
      if (counts && counts.waiting + counts.prioritized + counts.active === 0) break;
      await sleep(50);
    }
    const runRate = tasks / (since(runStart) / 1000);
    return { submitRate, runRate };
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}

/** Two tenants, weights 3 and 1, both flooding: their shares of a minute's completions. */
async function weightedShares(context: BenchContext, floodSize: number, seconds: number) {
  const prefix = context.prefix('fair-weights');
  const [heavy, light] = [makeApiKey('heavy'), makeApiKey('light')];
  const gateway = await gatewayFor(context, prefix, 'on', [heavy, light], {
    heavy: { weight: 3 },
    light: { weight: 1 },
  });
  const apps: AppProcess[] = [gateway.app];
  const counter = completions(context, prefix);
  try {
    await counter.ready();
    // Interleaved, as two tenants' clients would send them.
    for (let sent = 0; sent < floodSize; sent += BATCH) {
      for (const key of [heavy, light]) {
        await flood(gateway.url, key, BATCH, { agent: 'sim', input: { latencyMs: SIM_MS } });
      }
    }
    apps.push(await oneWorker(context, prefix, 20));
    counter.start();
    await sleep(seconds * 1000);
    const ran = await counter.stop();
    const total = [...ran.values()].reduce((sum, n) => sum + n, 0);
    return ['heavy', 'light'].map((tenant) => [
      tenant,
      tenant === 'heavy' ? '3' : '1',
      format.count(ran.get(tenant) ?? 0),
      `${((100 * (ran.get(tenant) ?? 0)) / Math.max(1, total)).toFixed(1)}%`,
    ]);
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
    await counter.close();
  }
}

/** Fair sharing between tenants: one tenant's flood and another's next task. */
export const fairnessSection: Section = {
  id: 'fairness',
  title: 'Fair sharing between tenants',
  method: `One gateway and one worker process on this machine's Redis. **Flood**: tenant A
queues BENCH_FAIR_FLOOD \`sim\` tasks of ${SIM_MS} ms (default 100,000) in batches of ${BATCH}, then a
worker (concurrency 20) starts and tenant B submits one \`echo\` task a second for
BENCH_FAIR_SECONDS (default 60); B's submit→start (the job's own stamps) with
\`AGENTQ_FAIR_SHARE\` on and off, and A's tasks run per second meanwhile. **No-op**: two tenants
queue BENCH_FAIR_NOOP tasks (default 50,000) of \`echo\` together, then a worker (concurrency 50)
runs them: the submit and run rates with fairness on and off. **Weights**: tenants of weight 3
and 1 both flood (interleaved batches); their shares of the tasks completed in
BENCH_FAIR_SECONDS.`,
  async run(context) {
    const floodSize = size('BENCH_FAIR_FLOOD', 100_000, context);
    const seconds = size('BENCH_FAIR_SECONDS', 60, context);
    const noop = size('BENCH_FAIR_NOOP', 50_000, context);
    const latencyRows: string[][] = [];
    const noopRows: string[][] = [];
    const rates: Partial<Record<Mode, { submitRate: number; runRate: number }>> = {};
    for (const mode of ['off', 'on'] as const) {
      context.log(`fairness: flood, fair sharing ${mode}`);
      latencyRows.push(await oneAmongFlood(context, mode, floodSize, seconds));
      context.log(`fairness: no-op throughput, fair sharing ${mode}`);
      const measured = await noopThroughput(context, mode, noop);
      rates[mode] = measured;
      noopRows.push([mode, format.count(measured.submitRate), format.count(measured.runRate)]);
    }
    context.log('fairness: weights 3:1');
    const shareRows = await weightedShares(context, Math.min(floodSize, 20_000), seconds);
    return {
      tables: [
        {
          caption: `B's one task a second while A's flood waits (ms; target p99 ≤ ${SIM_MS + 50})`,
          headers: ['fair sharing', 'B tasks', 'B start p50', 'B start p99', "A's tasks run/s"],
          rows: latencyRows,
        },
        {
          caption: 'Two tenants, no-op tasks: the pool with fair sharing on and off (tasks/s)',
          headers: ['fair sharing', 'submitted/s', 'run/s'],
          rows: noopRows,
        },
        {
          caption: `Weights 3:1, both flooding: shares of ${seconds} s of completions (target 75/25 ± 5)`,
          headers: ['tenant', 'weight', 'completed', 'share'],
          rows: shareRows,
        },
      ],
      notes: [
        `No-op ratios, on / off: submitted ${format.ratio(rates.on?.submitRate ?? NaN, rates.off?.submitRate ?? NaN)}, run ${format.ratio(rates.on?.runRate ?? NaN, rates.off?.runRate ?? NaN)} (target ≥ 0.9).`,
      ],
    };
  },
};
