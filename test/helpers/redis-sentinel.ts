import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedis, type RedisTarget } from '@agentq/queue';
import { freePort } from './ports.js';
import { TestRedisServer } from './redis-server.js';

/** The name the sentinels know the master by. */
export const MASTER_NAME = 'agentq-test';

const NO_SYNC_DELAY = ['--repl-diskless-sync-delay', '0'];

/** How often a state the sentinels reach in their own time is read again. */
const POLL_MS = 100;

/**
 * A Sentinel set of a test's own, from the redis-server binary on free ports: one master,
 * `replicas` replicas and three sentinels (quorum 2) that fail over one second after the
 * master stops answering.
 */
export class TestSentinelSet {
  private readonly sentinels: { port: number; dir: string; process: ChildProcess }[] = [];

  private constructor(readonly nodes: TestRedisServer[]) {}

  static async start(replicas = 2): Promise<TestSentinelSet> {
    // Full syncs start at once (Redis waits 5 s by default, to batch replicas).
    const master = await TestRedisServer.create({ aof: false, args: NO_SYNC_DELAY });
    await master.start();
    const nodes = [master];
    for (let i = 0; i < replicas; i++) {
      const replica = await TestRedisServer.create({
        aof: false,
        args: [...NO_SYNC_DELAY, '--replicaof', '127.0.0.1', String(master.port)],
      });
      await replica.start();
      nodes.push(replica);
    }
    const set = new TestSentinelSet(nodes);
    for (let i = 0; i < 3; i++) await set.startSentinel(master.port);
    await set.untilSettled(master.port, replicas);
    return set;
  }

  /** What an app needs to find the master through the sentinels. */
  get env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.sentinels.map(({ port }) => `127.0.0.1:${port}`).join(','),
      REDIS_SENTINEL_MASTER: MASTER_NAME,
    };
  }

  /** The set as the apps reach it (for a test's own connections). */
  get target(): RedisTarget {
    return {
      kind: 'sentinel',
      url: 'redis://127.0.0.1',
      sentinels: this.sentinels.map(({ port }) => ({ host: '127.0.0.1', port })),
      masterName: MASTER_NAME,
    };
  }

  /**
   * Starts again a node this test stopped, as a replica of the current master (as a node
   * whose config the sentinels rewrote would come back), and resolves once it is in sync.
   */
  async restart(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    const masterPort = await this.masterPort();
    await node.start([...NO_SYNC_DELAY, '--replicaof', '127.0.0.1', String(masterPort)]);
    await this.untilSettled(masterPort, this.nodes.length - 1);
  }

  /** The port of the master the sentinels name now. */
  async masterPort(): Promise<number> {
    const sentinel = this.sentinels[0];
    if (!sentinel) throw new Error('no sentinel');
    const client = connect(sentinel.port);
    try {
      const [, port] = (await client.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as [
        string,
        string,
      ];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILLs the current master; answers its port. */
  async killMaster(): Promise<number> {
    const port = await this.masterPort();
    const master = this.nodes.find((node) => node.port === port);
    if (!master) throw new Error(`no node on port ${port}`);
    await master.stop('SIGKILL');
    return port;
  }

  /** Resolves once the sentinels name a master other than `oldPort`; answers its port. */
  async untilFailedOver(oldPort: number, timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = await this.masterPort().catch(() => oldPort);
      if (port !== oldPort) return port;
      if (Date.now() > deadline) throw new Error('the sentinels did not fail over');
      await sleep(POLL_MS);
    }
  }

  async stop(): Promise<void> {
    for (const sentinel of this.sentinels) {
      const exited = new Promise((resolve) => sentinel.process.once('exit', resolve));
      if (sentinel.process.exitCode === null) sentinel.process.kill('SIGTERM');
      await exited;
      rmSync(sentinel.dir, { recursive: true, force: true });
    }
    await Promise.all(this.nodes.map((node) => node.remove()));
  }

  private async startSentinel(masterPort: number): Promise<void> {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-sentinel-'));
    // A sentinel rewrites its config file, so each has one of its own.
    const config = path.join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [config, '--sentinel'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.sentinels.push({ port, dir, process: child });
    await new Promise<void>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.includes('+monitor master')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`sentinel exited (${code}) before it ran`)));
    });
  }

  /** Until the master has its replicas and every sentinel knows them and the others. */
  private async untilSettled(firstMasterPort: number, replicas: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      // Under load the sentinels may fail over a master that still runs: follow them.
      const masterPort = await this.masterPort().catch(() => firstMasterPort);
      const settled = await Promise.all(
        this.sentinels.map(async ({ port }) => {
          const client = connect(port);
          try {
            const known = (await client.call('SENTINEL', 'replicas', MASTER_NAME)) as unknown[];
            const peers = (await client.call('SENTINEL', 'sentinels', MASTER_NAME)) as unknown[];
            return { replicas: known.length, peers: peers.length };
          } finally {
            client.disconnect();
          }
        }),
      );
      const master = connect(masterPort);
      const info = await master.info('replication');
      master.disconnect();
      const online = info.split('\n').filter((line) => line.includes('state=online')).length;
      const known = settled.every(
        (seen) => seen.replicas === replicas && seen.peers === this.sentinels.length - 1,
      );
      if (known && online === replicas) return;
      if (Date.now() > deadline) {
        throw new Error(
          `the Sentinel set did not settle: master ${masterPort} has ${online} of ${replicas} replicas online; the sentinels know ${JSON.stringify(settled)}`,
        );
      }
      await sleep(POLL_MS);
    }
  }
}

/** A plain connection to a node or a sentinel of the set. */
function connect(port: number) {
  return createRedis(`redis://127.0.0.1:${port}`, 'worker', 'test-sentinel-set');
}
