import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports.js';

/**
 * A redis-server of a test's own (never the shared one), on a free port, with AOF on (unless
 * `aof: false`), so a test can stop and restart it without losing data; `args` adds to its
 * command line (`--replicaof`, say). Its data lives in a
 * temporary folder removed by `remove()`.
 */
export class TestRedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly password: string | undefined,
    readonly tls: boolean,
    private readonly aof: boolean,
    private readonly extraArgs: readonly string[],
  ) {}

  /**
   * With a password, clients must AUTH (`--requirepass`); `url` then carries it. With `tls`,
   * it serves TLS only, with a certificate for `localhost` from a CA of its own (`caFile`).
   */
  static async create(
    options: { password?: string; tls?: boolean; aof?: boolean; args?: readonly string[] } = {},
  ): Promise<TestRedisServer> {
    const server = new TestRedisServer(
      await freePort(),
      mkdtempSync(path.join(os.tmpdir(), 'agentq-redis-')),
      options.password,
      options.tls ?? false,
      options.aof ?? true,
      options.args ?? [],
    );
    if (server.tls) makeCertificates(server.dir);
    return server;
  }

  get url(): string {
    const auth = this.password === undefined ? '' : `:${encodeURIComponent(this.password)}@`;
    return this.tls
      ? `rediss://${auth}localhost:${this.port}`
      : `redis://${auth}127.0.0.1:${this.port}`;
  }

  /** The CA that signed a TLS server's certificate (for NODE_EXTRA_CA_CERTS). */
  get caFile(): string {
    return path.join(this.dir, 'ca.pem');
  }

  /**
   * Starts it and resolves once it accepts connections; `extraArgs` replace the ones it was
   * made with (a node restarted as a replica of another master, say).
   */
  start(extraArgs: readonly string[] = this.extraArgs): Promise<void> {
    const file = (name: string) => path.join(this.dir, name);
    const args = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    if (this.tls) {
      args.push('--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'));
      args.push('--tls-ca-cert-file', this.caFile);
    }
    args.push('--bind', '127.0.0.1', '--dir', this.dir);
    if (this.password !== undefined) args.push('--requirepass', this.password);
    const persistence = this.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : [];
    const child = spawn('redis-server', [...args, ...persistence, '--save', '', ...extraArgs], {
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

  /** Whether its process runs (started, not stopped or exited). */
  get running(): boolean {
    const child = this.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
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

/** A CA and a `localhost` server certificate signed by it, made with openssl in `dir`. */
function makeCertificates(dir: string): void {
  const openssl = (args: string[]) => {
    const result = spawnSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr.toString()}`);
  };
  const subject = (cn: string) => ['-subj', `/CN=${cn}`];
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    ...subject('agentq test CA'),
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    ...subject('localhost'),
  ]);
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  ]);
}
