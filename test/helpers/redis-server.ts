import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports.js';

/**
 * A redis-server of a test's own (never the shared one), on a free port, with AOF on (unless
 * `aof: false`), so a test can stop and restart it without losing data. Its data lives in a
 * temporary folder removed by `remove()`.
 */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly aof: boolean,
  ) {}

  static async create(options: { aof?: boolean } = {}): Promise<TestRedisServer> {
    return new TestRedisServer(
      await freePort(),
      mkdtempSync(path.join(os.tmpdir(), 'agentq-redis-')),
      options.aof ?? true,
    );
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it and resolves once it accepts connections. */
  start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir];
    const persistence = this.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : [];
    const child = spawn('redis-server', [...args, ...persistence, '--save', ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
