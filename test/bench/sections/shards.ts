import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PoolStats } from '@agentq/contracts';
import { http } from '../../helpers/http.js';
import { TestRedisCluster } from '../../helpers/redis-cluster.js';
import { startGateway, startWorker } from '../../helpers/system.js';
import { size, type Section } from '../lib/section.js';
import { format, median, since } from '../lib/stats.js';

const POOLS = ['default', 'large', 'gpu'];
const SUBMIT_LANES = 32;
/** The no-op rate is timed from this share of the backlog done (the worker's start excluded). */
const TIMED_FROM = 0.1;

type CpuByMaster = Map<number, number>;

/** Each master's CPU seconds between two readings, busiest first. */
function cpuSpent(before: CpuByMaster, after: CpuByMaster): number[] {
  return [...after]
    .map(([port, seconds]) => seconds - (before.get(port) ?? 0))
    .sort((a, b) => b - a);
}

/** Submits single echo tasks round robin over the pools for `seconds`; answers those taken. */
async function submitFor(url: string, seconds: number): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let taken = 0;
  let next = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const pool = POOLS[next++ % POOLS.length];
      const answer = await http('POST', `${url}/v1/tasks`, { agent: 'echo', input: 1, pool });
      if (answer.status === 201) taken += 1;
    }
  };
  await Promise.all(Array.from({ length: SUBMIT_LANES }, lane));
  return taken;
}

/** Tasks waiting or running in every pool, as the gateway counts them. */
async function remaining(url: string): Promise<number> {
  const answer = await http('GET', `${url}/v1/pools`);
  const pools = (answer.body as { pools: PoolStats[] }).pools;
  return pools.reduce(
    (sum, { counts }) => sum + counts.waiting + counts.prioritized + counts.active,
    0,
  );
}

/** Polls until nothing is left; answers tasks per second from TIMED_FROM of them done. */
async function drainRate(url: string, backlog: number): Promise<number> {
  let timedFrom: number | undefined;
  for (;;) {
    const left = await remaining(url);
    if (timedFrom === undefined && left <= backlog * (1 - TIMED_FROM))
      timedFrom = performance.now();
    if (left === 0) break;
    await sleep(50);
  }
  const seconds = since(timedFrom ?? performance.now()) / 1000;
  return (backlog * (1 - TIMED_FROM)) / Math.max(seconds, 0.001);
}

interface Measured {
  row: string[];
  /** No-op tasks a second at which the busiest master's core would be full. */
  busiestCeiling: number;
}

/** One layout's figures: submit and no-op rates, and how the masters shared the work. */
async function measure(
  cluster: TestRedisCluster,
  prefix: string,
  seconds: number,
  concurrency: number,
): Promise<Measured> {
  const env = { ...cluster.env, AGENTQ_PREFIX: prefix, AGENTQ_POOLS: POOLS.join(',') };
  const gateway = await startGateway(env);
  try {
    const beforeSubmit = await cluster.mastersCpuSeconds();
    const start = performance.now();
    const submitted = await submitFor(gateway.url, seconds);
    const submitRate = submitted / (since(start) / 1000);
    const submitCpu = cpuSpent(beforeSubmit, await cluster.mastersCpuSeconds());

    const beforeDrain = await cluster.mastersCpuSeconds();
    const worker = await startWorker({ ...env, AGENTQ_CONCURRENCY: String(concurrency) });
    let noopRate: number;
    try {
      noopRate = await drainRate(gateway.url, submitted);
    } finally {
      await worker.stop();
    }
    const drainCpu = cpuSpent(beforeDrain, await cluster.mastersCpuSeconds());
    const share = (cpu: number[]) =>
      cpu.map((spent) => `${Math.round((100 * spent) / sumOf(cpu))}%`).join(' / ');
    const perThousand = (cpu: number[]) => format.ms((sumOf(cpu) * 1e6) / submitted);
    return {
      row: [
        format.count(Math.round(submitRate)),
        share(submitCpu),
        perThousand(submitCpu),
        format.count(Math.round(noopRate)),
        share(drainCpu),
        perThousand(drainCpu),
      ],
      // The no-op rate one core of the busiest master allows: tasks per Redis CPU second.
      busiestCeiling: submitted / Math.max(drainCpu[0] ?? 0, 1e-9),
    };
  } finally {
    await gateway.app.stop();
  }
}

function sumOf(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) || 1;
}

/** What spreading pools over a cluster's shards gives, on this machine and per core. */
export const shardsSection: Section = {
  id: 'shards',
  title: 'Pools on one shard vs spread over three (Redis Cluster)',
  method: `One Redis Cluster of this machine (3 masters, 3 replicas), the same code, two key prefixes
found so that the system slot and the slots of three pools (\`default\`, \`large\`, \`gpu\`) are
served by **one** master, or by **three** different ones (each pool's keys have a slot of their
own, \`{prefix:pool}\`; the gate's keys stay in \`{prefix}\`). Per layout: one gateway, ${SUBMIT_LANES}
concurrent clients submit single \`echo\` tasks round robin over the pools for BENCH_SHARDS_SECONDS
(default 10), then one worker process serving the three pools (AGENTQ_CONCURRENCY
BENCH_SHARDS_CONCURRENCY each, default 50) drains them, timed from ${TIMED_FROM * 100}% done. Each
master's Redis CPU (INFO cpu, user + sys) is read around both phases: its share of the work,
busiest first, and the Redis CPU all masters spent per 1,000 tasks. The layouts alternate,
BENCH_SHARDS_ROUNDS rounds (default 2).`,
  async run(context) {
    const seconds = size('BENCH_SHARDS_SECONDS', 10, context);
    const concurrency = size('BENCH_SHARDS_CONCURRENCY', 50, context);
    const rounds = size('BENCH_SHARDS_ROUNDS', 2, context);
    const cluster = await TestRedisCluster.start();
    const rows: string[][] = [];
    const ceilings: Record<string, number[]> = { together: [], spread: [] };
    try {
      // Alternated, so that neither layout always runs on a colder cluster.
      for (let round = 1; round <= rounds; round++) {
        for (const layout of ['together', 'spread'] as const) {
          context.log(`shards: round ${round}, pools ${layout}`);
          const prefix = await cluster.prefixWith(POOLS, layout);
          const { row, busiestCeiling } = await measure(cluster, prefix, seconds, concurrency);
          rows.push([layout === 'together' ? '1 shard' : '3 shards', String(round), ...row]);
          ceilings[layout]?.push(busiestCeiling);
        }
      }
    } finally {
      await cluster.stop();
    }
    return {
      tables: [
        {
          caption: 'Submit and no-op throughput, and how the masters shared the Redis work',
          headers: [
            'pools on',
            'round',
            'submits/s',
            'masters’ CPU share (submit)',
            'Redis CPU ms per 1k submits',
            'no-op tasks/s',
            'masters’ CPU share (no-op)',
            'Redis CPU ms per 1k tasks run',
          ],
          rows,
        },
      ],
      notes: [
        `Per core, on paper: the busiest master would be full at about ${format.count(median(ceilings.together ?? []))} no-op tasks/s with the pools on one shard, and ${format.count(median(ceilings.spread ?? []))} spread over three (tasks run per second of that master's CPU). With one shard per core and pools spread evenly, Redis's ceiling grows with the shards; the gateways and workers (any number of processes) are scaled apart.`,
        "On a 2-core machine the two layouts run about as fast: the gateway, the worker and six Redis processes share two cores, so no master is the limit, and more processes cost more switching. The masters' CPU shares show where the work went.",
      ],
    };
  },
};
