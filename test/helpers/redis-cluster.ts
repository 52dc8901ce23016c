import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis, poolKeyPrefix, type RedisTarget } from '@agentq/queue';
import { freePort } from './ports.js';
import { TestRedisServer } from './redis-server.js';

/** How often a state the cluster reaches in its own time is read again. */
const POLL_MS = 100;

/**
 * A Redis Cluster of a test's own, from the redis-server binary on free ports: `masters`
 * masters with one replica each (`redis-cli --cluster create`), failing a master over to its
 * replica one second after it stops answering.
 */
export class TestRedisCluster {
  private constructor(readonly nodes: TestRedisServer[]) {}

  static async start(masters = 3): Promise<TestRedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: masters * 2 }, async () =>
        TestRedisServer.create({
          aof: false,
          args: [
            '--cluster-enabled',
            'yes',
            // The bus port is port + 10000 by default, which need not be free (or valid).
            '--cluster-port',
            String(await freePort()),
            '--cluster-node-timeout',
            '1000',
            '--repl-diskless-sync-delay',
            '0',
          ],
        }),
      ),
    );
    const cluster = new TestRedisCluster(nodes);
    try {
      await Promise.all(nodes.map((node) => node.start()));
      await createCluster(nodes.map((node) => `127.0.0.1:${node.port}`));
      await cluster.untilHealthy();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** What an app needs to reach the cluster (a hash-tagged prefix is the caller's). */
  get env(): Record<string, string> {
    return {
      REDIS_CLUSTER_NODES: this.nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    };
  }

  /** The cluster as the apps reach it (for a test's own connections). */
  get target(): RedisTarget {
    return {
      kind: 'cluster',
      url: 'redis://127.0.0.1',
      nodes: this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    };
  }

  /** The port of the master that serves `key`'s slot now. */
  async masterOf(key: string): Promise<number> {
    for (const node of this.liveNodes()) {
      const client = connect(node.port);
      try {
        const slot = (await client.call('CLUSTER', 'KEYSLOT', key)) as number;
        const ranges = (await client.call('CLUSTER', 'SLOTS')) as [
          number,
          number,
          [string, number],
        ][];
        const owner = ranges.find(([first, last]) => slot >= first && slot <= last);
        if (owner) return owner[2][1];
      } catch {
        // A node that is going away: ask the next.
      } finally {
        client.disconnect();
      }
    }
    throw new Error(`no node knows the master of ${key}`);
  }

  /**
   * A hash-tagged key prefix under which the system slot and each pool's slot (see
   * `poolKeyPrefix`) are served by masters laid out as asked: `spread`, each on another master
   * as far as there are masters; `together`, all on one. Found by trying random ones.
   */
  async prefixWith(pools: readonly string[], layout: 'spread' | 'together'): Promise<string> {
    const slotCount = pools.length + 1;
    const wanted = layout === 'together' ? 1 : Math.min(slotCount, (await this.masterPorts()).size);
    for (let tries = 0; tries < 500; tries++) {
      const prefix = `{${layout}-${randomUUID().slice(0, 8)}}`;
      const slots = [`${prefix}:any`, ...pools.map((pool) => `${poolKeyPrefix(prefix, pool)}:any`)];
      const masters = new Set(await Promise.all(slots.map((key) => this.masterOf(key))));
      if (masters.size === wanted) return prefix;
    }
    throw new Error(`no prefix put the system slot and ${pools.join(', ')} ${layout}`);
  }

  /** The CPU seconds each master's Redis has used so far (INFO cpu), by port. */
  async mastersCpuSeconds(): Promise<Map<number, number>> {
    const cpu = new Map<number, number>();
    for (const port of await this.masterPorts()) {
      const client = connect(port);
      try {
        const info = (await client.call('INFO', 'cpu')) as string;
        const seconds = (field: string) =>
          Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? 0);
        cpu.set(port, seconds('used_cpu_sys') + seconds('used_cpu_user'));
      } finally {
        client.disconnect();
      }
    }
    return cpu;
  }

  /** The ports of the masters that serve slots now. */
  private async masterPorts(): Promise<Set<number>> {
    const client = connect(this.liveNodes()[0]?.port ?? 0);
    try {
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as [
        number,
        number,
        [string, number],
      ][];
      return new Set(ranges.map((range) => range[2][1]));
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILLs the master that serves `key`; answers its port. */
  async killMasterOf(key: string): Promise<number> {
    const port = await this.masterOf(key);
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    await node.stop('SIGKILL');
    return port;
  }

  /** Resolves once `key`'s slot is served by a master other than `oldPort`, and the cluster is whole. */
  async untilFailedOver(key: string, oldPort: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = await this.masterOf(key).catch(() => oldPort);
      if (port !== oldPort && (await this.allSay('cluster_state:ok'))) return port;
      if (Date.now() > deadline) throw new Error(`${key}'s slot did not fail over`);
      await sleep(POLL_MS);
    }
  }

  /** Starts again a node this test stopped (it rejoins as a replica); resolves once all is well. */
  async restart(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    await node.start();
    await this.untilHealthy();
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.remove()));
  }

  private liveNodes(): TestRedisServer[] {
    return this.nodes.filter((node) => node.running);
  }

  /** Until every node says the cluster is ok and every master has its replica. */
  private async untilHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.allSay('cluster_state:ok'))) {
      if (Date.now() > deadline) throw new Error('the cluster did not become ready');
      await sleep(POLL_MS);
    }
  }

  private async allSay(line: string): Promise<boolean> {
    const answers = await Promise.all(
      this.liveNodes().map(async (node) => {
        const client = connect(node.port);
        try {
          return ((await client.call('CLUSTER', 'INFO')) as string).includes(line);
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      }),
    );
    return answers.every(Boolean);
  }
}

/** `redis-cli --cluster create`: slots spread over the masters, one replica each. */
function createCluster(addresses: string[]): Promise<void> {
  const child = spawn(
    'redis-cli',
    ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create: ${output}`)),
    );
  });
}

/** A plain connection to one node. */
function connect(port: number) {
  return createRedis(`redis://127.0.0.1:${port}`, 'worker', 'test-cluster');
}
