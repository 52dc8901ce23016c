import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import type { PoolName } from '@agentq/contracts';

export type WorkerState = 'starting' | 'ready' | 'stopping';

export interface WorkerProcessOptions {
  pool: PoolName;
  /** BullMQ name of the worker (AGENTQ_WORKER_NAME in `env`): `processedBy` of its tasks. */
  name: string;
  script: string;
  env: Record<string, string | undefined>;
  /** Every output line of the worker, as written. */
  onLine: (worker: WorkerProcess, line: string) => void;
  onExit: (worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * One worker process (`node <script>`, named `name` in BullMQ). It is `starting` until it
 * logs `ready`, and `stopping` once asked to drain. Which tasks it runs is read from
 * BullMQ, not from here.
 */
export class WorkerProcess {
  state: WorkerState = 'starting';
  readonly startedAt = Date.now();
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerProcessOptions) {}

  get pool(): PoolName {
    return this.options.pool;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(process.execPath, [this.options.script], {
      env: this.options.env,
      // The IPC channel is never used for messages: it closes when the scaler dies (even by
      // SIGKILL), which tells the worker to drain and exit instead of living on as an orphan.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a Ctrl-C in the terminal reaches the scaler, which then
      // drains its workers in order, instead of every worker at once.
      detached: true,
    });
    this.child = child;
    this.exitedPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.options.onExit(this, code, signal);
        resolve();
      });
    });
    child.once('error', () => {
      // 'exit' follows (or the spawn failed and exit reports it); nothing else to do.
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) {
        readline.createInterface({ input: stream }).on('line', (line) => this.onLine(line));
      }
    }
  }

  /** Asks the worker to drain and exit (SIGTERM); running tasks finish first. */
  stop(): void {
    this.state = 'stopping';
    this.child?.kill('SIGTERM');
  }

  kill(): void {
    this.child?.kill('SIGKILL');
  }

  exited(): Promise<void> {
    return this.exitedPromise;
  }

  private onLine(line: string): void {
    const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
    if (msg === 'ready' && this.state === 'starting') this.state = 'ready';
    this.options.onLine(this, line);
  }
}
