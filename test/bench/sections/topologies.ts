import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../../helpers/app-process.js';
import { http } from '../../helpers/http.js';
import { TestRedisCluster } from '../../helpers/redis-cluster.js';
import { TestSentinelSet } from '../../helpers/redis-sentinel.js';
import { startGateway, startWorker } from '../../helpers/system.js';
import { size, type BenchContext, type Section } from '../lib/section.js';
import { distribution, format, median, since } from '../lib/stats.js';
import type { Table } from '../lib/table.js';

/** One echo task through the gateway; the time until its 201 (ms), or undefined if refused. */
async function submitOnce(url: string): Promise<number | undefined> {
  const start = performance.now();
  const answer = await http('POST', `${url}/v1/tasks`, { agent: 'echo', input: 1 });
  return answer.status === 201 ? since(start) : undefined;
}

/** Submits until one is taken, then waits for it: ms from `from` to its completion. */
async function firstCompletedAfter(url: string, from: number): Promise<number> {
  for (;;) {
    const answer = await http('POST', `${url}/v1/tasks`, { agent: 'echo', input: 1 });
    if (answer.status === 201) {
      const id = (answer.body as { id: string }).id;
      const done = await http('GET', `${url}/v1/tasks/${id}?wait=60`);
      if ((done.body as { state?: string }).state === 'completed') return since(from);
    }
    if (since(from) > 120_000) throw new Error('no task completed within 120 s of the kill');
    await sleep(20);
  }
}

/** Submit latency with and without `AGENTQ_REDIS_ACK_REPLICAS=2`, one at a time. */
async function ackCost(set: TestSentinelSet, context: BenchContext, submits: number) {
  const rows: string[][] = [];
  for (const ack of ['0', '2']) {
    const env = { ...set.env, AGENTQ_PREFIX: context.prefix(`ack-${ack}`) };
    const gateway = await startGateway({ ...env, AGENTQ_REDIS_ACK_REPLICAS: ack });
    try {
      const times: number[] = [];
      for (let i = 0; i < submits; i++) {
        const ms = await submitOnce(gateway.url);
        if (ms !== undefined) times.push(ms);
      }
      const { p50, p99 } = distribution(times);
      rows.push([ack, format.count(times.length), format.ms(p50), format.ms(p99)]);
    } finally {
      await gateway.app.stop();
    }
  }
  return rows;
}

/** Kill → first task completed, `runs` times, with a gateway and a worker on the topology. */
async function failovers(
  env: Record<string, string>,
  runs: number,
  killOne: () => Promise<() => Promise<void>>,
): Promise<number[]> {
  const apps: AppProcess[] = [];
  try {
    const gateway = await startGateway(env);
    apps.push(gateway.app);
    apps.push(await startWorker({ ...env, AGENTQ_CONCURRENCY: '8' }));
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      await firstCompletedAfter(gateway.url, performance.now()); // all is well before the kill
      const killedAt = performance.now();
      const recover = await killOne();
      times.push(await firstCompletedAfter(gateway.url, killedAt));
      await recover();
    }
    return times;
  } finally {
    await Promise.all(apps.map((app) => app.stop()));
  }
}

const row = (topology: string, times: number[]) => [
  topology,
  String(times.length),
  format.seconds(median(times)),
  format.seconds(Math.min(...times)),
  format.seconds(Math.max(...times)),
];

/** What a replicated Redis costs and how fast the apps get past losing its master. */
export const topologiesSection: Section = {
  id: 'topologies',
  title: 'Redis topologies: acknowledged replication, failover',
  method: `On a Sentinel set of this machine (one master, two replicas, three sentinels,
\`down-after-milliseconds 1000\`): BENCH_TOPOLOGY_SUBMITS single submits (default 2,000), one at a
time over HTTP, with \`AGENTQ_REDIS_ACK_REPLICAS\` 0 and 2 (\`WAIT 2 500\` behind the submit
script, in the same round trip). Then failover, BENCH_TOPOLOGY_RUNS times (default 5): a
gateway and a worker run \`echo\` tasks, the master is SIGKILLed, and the time is until the
first task submitted after it completes (submits refused with 503 meanwhile are retried every
20 ms); the killed node then comes back as a replica. The same on a Redis Cluster (3 masters,
3 replicas, \`cluster-node-timeout 1000\`, prefix \`{bench}\`), killing the master of agentq's
slot and restarting it. Both timeouts are far below production defaults (30 s and 15 s),
which bound failover time there.`,
  async run(context) {
    const submits = size('BENCH_TOPOLOGY_SUBMITS', 2000, context);
    const runs = size('BENCH_TOPOLOGY_RUNS', 5, context);
    const tables: Table[] = [];

    const set = await TestSentinelSet.start();
    let sentinelTimes: number[];
    try {
      context.log('topologies: submit latency with and without ACK_REPLICAS');
      tables.push({
        caption: 'Submit latency on a Sentinel set, one submit at a time (ms)',
        headers: ['AGENTQ_REDIS_ACK_REPLICAS', 'submits', 'p50', 'p99'],
        rows: await ackCost(set, context, submits),
      });
      context.log('topologies: Sentinel failovers');
      sentinelTimes = await failovers(
        { ...set.env, AGENTQ_PREFIX: context.prefix('sentinel-failover') },
        runs,
        async () => {
          const port = await set.killMaster();
          return async () => {
            await set.untilFailedOver(port);
            await set.restart(port);
          };
        },
      );
    } finally {
      await set.stop();
    }

    context.log('topologies: Cluster failovers');
    const cluster = await TestRedisCluster.start();
    let clusterTimes: number[];
    try {
      const prefix = '{bench}';
      clusterTimes = await failovers({ ...cluster.env, AGENTQ_PREFIX: prefix }, runs, async () => {
        const slotKey = `${prefix}:any`;
        const port = await cluster.killMasterOf(slotKey);
        return async () => {
          await cluster.untilFailedOver(slotKey, port);
          await cluster.restart(port);
        };
      });
    } finally {
      await cluster.stop();
    }
    tables.push({
      caption: 'Master SIGKILLed → first task completed after it (s)',
      headers: ['topology', 'runs', 'median', 'min', 'max'],
      rows: [row('Sentinel', sentinelTimes), row('Cluster', clusterTimes)],
    });
    return {
      tables,
      notes: [
        'The ACK cost is the replicas confirming the write (same machine: a fraction of a millisecond); across zones it is the round trip to the slowest of the replicas waited for.',
        "The fault runs on these topologies (a master SIGKILLed five times under 5,000 submits; acknowledged tasks lost with and without `AGENTQ_REDIS_ACK_REPLICAS`; on a cluster the pool's and the system slot's masters in turn) are `test/faults/*-master-kill.fault.spec.ts`, part of `pnpm test`; their figures are in [redis.md](redis.md#sentinel) and [redis.md](redis.md#redis-cluster).",
      ],
    };
  },
};
