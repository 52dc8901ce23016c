import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RedisTarget } from '@agentq/queue';
import { gatewayKeyEnv } from './api-keys.js';

/** The repository root: the nearest folder up holding pnpm-workspace.yaml (this file also runs compiled, from test/.bench-dist). */
export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
  }
}
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The Redis Cluster a run of the suites uses instead of REDIS_URL, when
 * `scripts/with-redis-cluster.sh` names one: the apps get it as REDIS_CLUSTER_NODES, and the
 * tests' own connections and key prefixes follow (`TEST_REDIS`, `uniquePrefix`).
 */
export const TEST_CLUSTER_NODES = process.env.AGENTQ_TEST_CLUSTER_NODES;

/** The Redis the tests' own connections use: the cluster of the run, or REDIS_URL. */
export const TEST_REDIS: RedisTarget | string = TEST_CLUSTER_NODES
  ? {
      kind: 'cluster',
      url: 'redis://127.0.0.1',
      nodes: TEST_CLUSTER_NODES.split(',').map((node) => {
        const [host = '127.0.0.1', port = '6379'] = node.split(':');
        return { host, port: Number(port) };
      }),
    }
  : REDIS_URL;

export type LogLine = Record<string, unknown> & { msg?: string };
type Waiter = { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void };

/**
 * A built app (or any node script) running as a real process. Its JSON log lines are kept,
 * and tests await lines instead of sleeping.
 */
export class AppProcess {
  readonly lines: LogLine[] = [];
  readonly output: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly exited: Promise<number | null>;
  private keepLines = true;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (text) => this.onLine(text));
    }
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts `apps/<app>/dist/main.js` with the environment given (plus PATH). A gateway gets
   * TEST_KEY (see api-keys.ts) unless `env` says otherwise.
   */
  static app(app: 'gateway' | 'worker' | 'scaler', env: Record<string, string>): AppProcess {
    return AppProcess.node(app, [path.join(ROOT, 'apps', app, 'dist', 'main.js')], {
      AGENTQ_LOG_LEVEL: 'debug',
      ...(app === 'gateway' ? gatewayKeyEnv() : {}),
      ...env,
    });
  }

  static node(name: string, args: string[], env: Record<string, string>): AppProcess {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL,
        ...(TEST_CLUSTER_NODES && { REDIS_CLUSTER_NODES: TEST_CLUSTER_NODES }),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new AppProcess(name, child);
  }

  /** Resolves with the first log line (past or future) that matches. */
  waitFor(
    match: (line: LogLine) => boolean,
    what = 'a matching log line',
    timeoutMs = 30_000,
  ): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `${this.name}: no ${what} within ${timeoutMs} ms; output:\n${this.output.slice(-30).join('\n')}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.waiters.add(waiter);
      void this.exited.then((code) => {
        if (!this.waiters.has(waiter)) return;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        reject(
          new Error(
            `${this.name} exited (${code}) before ${what}; output:\n${this.output.slice(-30).join('\n')}`,
          ),
        );
      });
    });
  }

  /** Resolves once an output line contains every one of the parts. */
  waitForOutput(parts: string[], timeoutMs?: number): Promise<LogLine> {
    return this.waitFor(
      (line) =>
        typeof line.text === 'string' &&
        parts.every((part) => (line.text as string).includes(part)),
      JSON.stringify(parts),
      timeoutMs,
    );
  }

  waitForMessage(msg: string, timeoutMs?: number): Promise<LogLine> {
    return this.waitFor((line) => line.msg === msg, `"${msg}"`, timeoutMs);
  }

  /** Sends a signal and waits for the process to end; resolves with its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /**
   * From now on, keeps only the last output lines (for error messages) and parses a line only
   * while someone waits for one. A benchmark's workers log a line per task; keeping and
   * parsing them all would load the machine the benchmark measures.
   */
  stopKeepingLines(): void {
    this.keepLines = false;
    this.lines.length = 0;
  }

  /** The output lines that were not JSON log lines (a stack some library printed, say). */
  plainTextLines(): string[] {
    return this.lines.flatMap((line) => ('text' in line ? [String(line.text)] : []));
  }

  private onLine(text: string): void {
    this.output.push(text);
    if (!this.keepLines) {
      if (this.output.length > 200) this.output.splice(0, this.output.length - 30);
      if (this.waiters.size === 0) return;
    }
    let line: LogLine;
    try {
      const parsed: unknown = JSON.parse(text);
      line = typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : { text };
    } catch {
      line = { text };
    }
    if (this.keepLines) this.lines.push(line);
    for (const waiter of this.waiters) {
      if (waiter.match(line)) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}
