import { access } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PoolName } from '@agentq/contracts';
import type { Actuator, WorkerInfo } from './actuator.js';
import { WorkerProcess } from './worker-process.js';

export interface LocalActuatorOptions {
  pools: readonly PoolName[];
  /** Worker entry point, run as `node <script>`. */
  workerScript: string;
  /** Environment the workers inherit (AGENTQ_POOLS and AGENTQ_CONCURRENCY are set per pool). */
  env: Record<string, string | undefined>;
  /** Task slots per worker (AGENTQ_CONCURRENCY). */
  concurrency: number;
  /** First restart delay after a crash; doubles per crash in a row, up to 30 s. */
  restartBackoffMs: number;
  /** Forwarded worker lines go here (null: not forwarded). pino levels below `minLevel` are dropped. */
  forward: { write: (line: string) => void; minLevel: number } | null;
  /** How long close() waits for draining workers before SIGKILL. */
  closeTimeoutMs: number;
  logger: Logger;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * `local`: runs the workers as child processes of the scaler on this machine.
 * - Scale out: `node <worker script>` with AGENTQ_POOLS=<pool>.
 * - Scale in: SIGTERM, which makes a worker stop taking tasks and finish the running
 *   ones (no task is lost). It picks workers still starting first, then idle ones (no
 *   task running, from the worker's own `task started` / `task completed` log lines; the
 *   children run at debug level for that), then the least busy, then the youngest.
 * - A worker that exits without being asked is restarted after a backoff that doubles
 *   with each crash in a row (reset when a worker of the pool becomes ready).
 */
export class LocalActuator implements Actuator {
  readonly kind = 'local';
  private readonly workers = new Map<PoolName, Set<WorkerProcess>>();
  private readonly desired = new Map<PoolName, number>();
  private readonly crashes = new Map<PoolName, number>();
  private readonly notBefore = new Map<PoolName, number>();
  private readonly timers = new Map<PoolName, NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly options: LocalActuatorOptions) {}

  /** Fails at once when the worker script is missing (not built yet, wrong path). */
  async start(): Promise<void> {
    await access(this.options.workerScript).catch((error: unknown) => {
      throw new Error(
        `worker script ${this.options.workerScript} not found (build the worker, or set AGENTQ_SCALER_WORKER_SCRIPT)`,
        { cause: error },
      );
    });
    for (const pool of this.options.pools) this.workers.set(pool, new Set());
  }

  setReplicas(pool: PoolName, replicas: number): Promise<void> {
    this.desired.set(pool, replicas);
    this.reconcile(pool);
    return Promise.resolve();
  }

  currentReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.live(pool).length);
  }

  /** Every worker process of the pool, draining ones included. */
  describe(pool: PoolName): WorkerInfo[] {
    return [...(this.workers.get(pool) ?? [])].map((w) => ({
      pid: w.pid,
      state: w.state,
      running: w.running,
    }));
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    const all = [...this.workers.values()].flatMap((set) => [...set]);
    for (const worker of all) if (worker.state !== 'stopping') worker.stop();
    const deadline = setTimeout(() => {
      for (const worker of all) worker.kill();
    }, this.options.closeTimeoutMs);
    await Promise.all(all.map((worker) => worker.exited()));
    clearTimeout(deadline);
  }

  private live(pool: PoolName): WorkerProcess[] {
    return [...(this.workers.get(pool) ?? [])].filter((w) => w.state !== 'stopping');
  }

  private reconcile(pool: PoolName): void {
    if (this.closing) return;
    const want = this.desired.get(pool) ?? 0;
    const live = this.live(pool);
    if (live.length > want) {
      for (const worker of pickForScaleIn(live, live.length - want)) {
        this.options.logger.info(
          { pool, workerPid: worker.pid, state: worker.state, running: worker.running },
          'stopping worker',
        );
        worker.stop();
      }
      return;
    }
    if (live.length === want) return;
    const wait = (this.notBefore.get(pool) ?? 0) - Date.now();
    if (wait > 0) {
      if (!this.timers.has(pool)) {
        this.timers.set(
          pool,
          setTimeout(() => {
            this.timers.delete(pool);
            this.reconcile(pool);
          }, wait),
        );
      }
      return;
    }
    for (let i = live.length; i < want; i++) this.spawn(pool);
  }

  private spawn(pool: PoolName): void {
    const worker = new WorkerProcess({
      pool,
      script: this.options.workerScript,
      env: {
        ...this.options.env,
        AGENTQ_POOLS: pool,
        AGENTQ_CONCURRENCY: String(this.options.concurrency),
        AGENTQ_LOG_LEVEL: 'debug',
      },
      onLine: (w, line) => this.onLine(w, line),
      onExit: (w, code, signal) => this.onExit(w, code, signal),
    });
    this.workers.get(pool)?.add(worker);
    worker.start();
    this.options.logger.info({ pool, workerPid: worker.pid }, 'worker started');
  }

  private onLine(worker: WorkerProcess, line: string): void {
    if (worker.state === 'ready' && (this.crashes.get(worker.pool) ?? 0) > 0) {
      this.crashes.set(worker.pool, 0);
    }
    const forward = this.options.forward;
    if (!forward) return;
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? Infinity);
    if (level >= forward.minLevel) forward.write(line + '\n');
  }

  private onExit(worker: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const pool = worker.pool;
    this.workers.get(pool)?.delete(worker);
    if (worker.state === 'stopping') {
      this.options.logger.info({ pool, workerPid: worker.pid, code, signal }, 'worker stopped');
      return;
    }
    if (this.closing) return;
    const crashes = (this.crashes.get(pool) ?? 0) + 1;
    this.crashes.set(pool, crashes);
    const backoffMs = Math.min(MAX_BACKOFF_MS, this.options.restartBackoffMs * 2 ** (crashes - 1));
    this.notBefore.set(pool, Date.now() + backoffMs);
    this.options.logger.warn(
      { pool, workerPid: worker.pid, code, signal, restartInMs: backoffMs },
      'worker exited unexpectedly; restarting',
    );
    this.reconcile(pool);
  }
}

/** Scale-in order: starting first, then idle, then least busy, then youngest. */
export function pickForScaleIn<W extends { state: string; running: number; startedAt: number }>(
  live: readonly W[],
  count: number,
): W[] {
  const rank = (w: W) => (w.state === 'starting' ? 0 : 1);
  return [...live]
    .sort((a, b) => rank(a) - rank(b) || a.running - b.running || b.startedAt - a.startedAt)
    .slice(0, count);
}
