import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { ROOT } from '../helpers/app-process.js';
import { freePort } from '../helpers/ports.js';

// The redis-sentinel component's start scripts, run as its pods run them: each "pod" a
// redis-server and a sentinel started by the scripts, with the manifest's arguments and
// settings, on loopback ports instead of pod names. What must hold: a first start makes node
// 0 the master; a node that comes back after a failover rejoins as a replica of the promoted
// master; and a restart of the whole set after failovers keeps the last promoted master's data.

const execFileAsync = promisify(execFile);
const COMPONENT = path.join(ROOT, 'docker', 'kubernetes', 'components', 'redis-sentinel');
const MASTER_NAME = 'agentq';
const POLL_MS = 100;

type Container = { name: string; args?: string[]; env: { name: string; value?: string }[] };
const manifest = parse(readFileSync(path.join(COMPONENT, 'redis-statefulset.yaml'), 'utf8')) as {
  spec: { template: { spec: { containers: Container[] } } };
};
const redisContainer = manifest.spec.template.spec.containers.find((c) => c.name === 'redis');
/** The settings the manifest gives every node's scripts, by name. */
const manifestEnv = Object.fromEntries(
  (redisContainer?.env ?? []).map(({ name, value }) => [name, value]),
);

class ScriptedNode {
  private redis: ChildProcess | undefined;
  private sentinel: ChildProcess | undefined;
  /** What start-redis.sh said it started as, at its last start. */
  startedAs = '';

  constructor(
    readonly redisPort: number,
    readonly sentinelPort: number,
    readonly dir: string,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    this.redis = this.spawn('start-redis.sh', redisContainer?.args ?? []);
    const said = await Promise.all([
      lineMatching(this.redis, /^starting as /),
      lineMatching(this.redis, /Ready to accept connections/),
    ]);
    this.startedAs = said[0];
    this.sentinel = this.spawn('start-sentinel.sh', []);
    await lineMatching(this.sentinel, /\+monitor master/);
  }

  /** Both processes SIGKILLed, as when the pod's node is lost. */
  async kill(): Promise<void> {
    await Promise.all([this.redis, this.sentinel].map((child) => killed(child)));
  }

  private spawn(script: string, args: string[]): ChildProcess {
    return spawn('sh', [path.join(COMPONENT, script), ...args], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
}

function lineMatching(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) throw new Error('no stdout');
    const lines = readline.createInterface({ input: child.stdout });
    const output: string[] = [];
    lines.on('line', (line) => {
      output.push(line);
      if (pattern.test(line)) {
        lines.removeAllListeners('line');
        resolve(line);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`exited (${code}) before ${pattern}:\n${output.join('\n')}`)),
    );
  });
}

async function killed(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** One command by redis-cli (as the scripts use it); answers its reply's lines. */
async function redisCli(port: number, ...command: string[]): Promise<string[]> {
  const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), '--raw', ...command]);
  return stdout.trimEnd().split('\n');
}

/** The master's port as a sentinel names it. */
async function masterPortBy(sentinelPort: number): Promise<number> {
  const [, port] = await redisCli(sentinelPort, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME);
  return Number(port);
}

/** A node's replication role: `master`, or `slave` with its master's port and link state. */
async function roleOf(port: number): Promise<{ role: string; master?: number; link?: string }> {
  const [role, , master, link] = await redisCli(port, 'ROLE');
  if (role === 'master') return { role };
  return { role: String(role), master: Number(master), link };
}

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Resolves once `replica` follows the master on `masterPort` with its link up. */
function untilReplicating(replica: ScriptedNode, masterPort: number): Promise<true> {
  return until(`${replica.redisPort} to replicate ${masterPort}`, async () => {
    const role = await roleOf(replica.redisPort);
    return role.master === masterPort && role.link === 'connected' ? true : undefined;
  });
}

describe('the redis-sentinel component start scripts', () => {
  let nodes: ScriptedNode[] = [];

  beforeAll(async () => {
    const ports = [];
    for (let i = 0; i < 3; i++) ports.push({ redis: await freePort(), sentinel: await freePort() });
    const shared = {
      ...manifestEnv,
      FIRST_MASTER: `127.0.0.1:${ports[0]?.redis}`,
      SENTINELS: ports.map((port) => `127.0.0.1:${port.sentinel}`).join(' '),
      SELF_HOST: '127.0.0.1',
      // Faster than the manifest's 5 s / 30 s, so the test waits seconds, not minutes.
      DOWN_AFTER_MS: '1000',
      FAILOVER_TIMEOUT_MS: '5000',
    };
    nodes = ports.map((port) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'agentq-sentinel-node-'));
      return new ScriptedNode(port.redis, port.sentinel, dir, {
        ...shared,
        REDIS_PORT: String(port.redis),
        SENTINEL_PORT: String(port.sentinel),
        DATA_DIR: dir,
      });
    });
  });

  afterAll(async () => {
    for (const node of nodes) {
      await node.kill();
      rmSync(node.dir, { recursive: true, force: true });
    }
  });

  it('gives the manifest every setting the scripts read', () => {
    const scripts = ['find-master.sh', 'start-redis.sh', 'start-sentinel.sh'].map((file) =>
      readFileSync(path.join(COMPONENT, file), 'utf8'),
    );
    const read = new Set(scripts.flatMap((text) => text.match(/\$\{?[A-Z][A-Z_]+/g) ?? []));
    const names = [...read].map((reference) => reference.replace(/^\$\{?/, ''));
    expect(names.length).toBeGreaterThan(5);
    for (const name of names)
      expect({ name, set: name in manifestEnv }).toEqual({ name, set: true });
  });

  it('starts node 0 as the master and the others as its replicas, in order', async () => {
    const [first, ...rest] = nodes as [ScriptedNode, ...ScriptedNode[]];
    for (const node of nodes) await node.start();
    expect(first.startedAs).toBe('starting as the master');
    for (const node of rest) {
      expect(node.startedAs).toBe(`starting as a replica of 127.0.0.1 ${first.redisPort}`);
      await untilReplicating(node, first.redisPort);
    }
    await redisCli(first.redisPort, 'SET', 'before-failover', 'kept');
    expect(await redisCli(first.redisPort, 'WAIT', '2', '5000')).toEqual(['2']);
  });

  it('brings a lost master back as a replica of the one the sentinels promoted', async () => {
    const [first, second, third] = nodes as [ScriptedNode, ScriptedNode, ScriptedNode];
    await first.kill();
    const promoted = await until('a failover', async () => {
      const port = await masterPortBy(second.sentinelPort);
      return port !== first.redisPort ? port : undefined;
    });
    const other = promoted === second.redisPort ? third : second;
    await untilReplicating(other, promoted);
    await redisCli(promoted, 'SET', 'after-failover', 'kept');
    expect(await redisCli(promoted, 'WAIT', '1', '5000')).toEqual(['1']);

    await first.start();
    expect(first.startedAs).toBe(`starting as a replica of 127.0.0.1 ${promoted}`);
    await untilReplicating(first, promoted);
    expect(await redisCli(first.redisPort, 'GET', 'after-failover')).toEqual(['kept']);
  });

  it('keeps the last promoted master, and its data, when the whole set restarts', async () => {
    const [first] = nodes as [ScriptedNode];
    // A second failover while node 0 runs: its sentinel records it in its config on disk.
    // Node 0 is not a candidate, so that the master to keep is not the first start's.
    await redisCli(first.redisPort, 'CONFIG', 'SET', 'replica-priority', '0');
    const promoted = await masterPortBy(first.sentinelPort);
    await nodes.find((node) => node.redisPort === promoted)?.kill();
    const latest = await until('a second failover', async () => {
      const port = await masterPortBy(first.sentinelPort);
      return port !== promoted ? port : undefined;
    });
    const follower = nodes.find((node) => ![promoted, latest].includes(node.redisPort));
    if (follower) await untilReplicating(follower, latest);
    await redisCli(latest, 'SET', 'after-second-failover', 'kept');
    expect(await redisCli(latest, 'WAIT', '1', '5000')).toEqual(['1']);
    for (const node of nodes) await node.kill();

    // No sentinel runs when node 0 starts: it goes by what its own sentinel last knew.
    for (const node of nodes) await node.start();
    expect(first.startedAs).toBe(`starting as a replica of 127.0.0.1 ${latest}`);
    const master = await until('one master named by every sentinel', async () => {
      const named = await Promise.all(nodes.map((node) => masterPortBy(node.sentinelPort)));
      const [port] = named;
      return named.every((each) => each === port) ? port : undefined;
    });
    expect((await roleOf(master)).role).toBe('master');
    const keys = ['before-failover', 'after-failover', 'after-second-failover'];
    expect(await redisCli(master, 'MGET', ...keys)).toEqual(['kept', 'kept', 'kept']);
  });
});
