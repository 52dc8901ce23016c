import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports.js';

/**
 * A redis-server of a test's own (never the shared one), on a free port, with AOF on, so a
 * test can stop and restart it. Its data lives in a temporary folder removed by `remove()`.
 */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | undefined,
  ) {}

  /** With a password, clients must AUTH (`--requirepass`); `url` then carries it. */
  static async create(options: { password?: string } = {}): Promise<TestRedisServer> {
    return new TestRedisServer(
      await freePort(),
      mkdtempSync(path.join(os.tmpdir(), 'agentq-redis-')),
      options.password,
    );
  }

  get url(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves once it accepts connections. */
  start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    if (this.password !== undefined) args.push('--requirepass', this.password);
    const child = spawn(
      'redis-server',
      [...args, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.process = child;
    return new Promise((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        if (line.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`redis-server exited (${code}) before it was ready`)),
      );
    });
  }

  /** Stops it (SIGTERM: it syncs the AOF first) and resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
