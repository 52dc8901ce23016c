import { access } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { PoolName } from '@agentq/contracts';
import type { ScalerMetrics } from '../metrics.js';
import type { Actuator, BusyWorkers, WorkerInfo } from './actuator.js';
import { WorkerProcess } from './worker-process.js';

export interface LocalActuatorOptions {
  pools: readonly PoolName[];
  /** Worker entry point, run as `node <script>`. */
  workerScript: string;
  /**
   * Environment the workers inherit; AGENTQ_POOLS, AGENTQ_CONCURRENCY, AGENTQ_WORKER_NAME
   * and AGENTQ_LOG_LEVEL are set per worker.
   */
  env: Record<string, string | undefined>;
  /** Task slots per worker (AGENTQ_CONCURRENCY). */
  concurrency: number;
  /** Log level of the workers; at least `info`, which carries the `ready` line. */
  workerLogLevel: string;
  /** Who runs tasks now, by worker name: scale-in stops idle workers first. */
  busyWorkers: BusyWorkers;
  /** First restart delay after a crash; doubles per crash in a row, up to 30 s. */
  restartBackoffMs: number;
  /** Forwarded worker lines go here (null: not forwarded). pino levels below `minLevel` are dropped. */
  forward: { write: (line: string) => void; minLevel: number } | null;
  /** Counts workers that exited unasked, and those started again in their place. */
  metrics: Pick<ScalerMetrics, 'workerCrashes' | 'workerRestarts'>;
  /** How long close() waits for draining workers before SIGKILL. */
  closeTimeoutMs: number;
  logger: Logger;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * `local`: runs the workers as child processes of the scaler on this machine.
 * - Scale out: `node <worker script>` with AGENTQ_POOLS=<pool> and a BullMQ name of its own
 *   (AGENTQ_WORKER_NAME), which BullMQ stores as `processedBy` on every task it takes.
 * - Scale in: SIGTERM, which makes a worker stop taking tasks and finish the running
 *   ones (no task is lost). It picks the least busy first (idle ones: no active task names
 *   them; from Redis, so a task handed back, rate-limited or failed counts as it should),
 *   then those still starting, then the youngest.
 * - A worker that exits without being asked is restarted after a backoff that doubles
 *   with each crash in a row (reset when a worker of the pool becomes ready).
 */
export class LocalActuator implements Actuator {
  readonly kind = 'local';
  private readonly workers = new Map<PoolName, Set<WorkerProcess>>();
  private readonly desired = new Map<PoolName, number>();
  private readonly crashes = new Map<PoolName, number>();
  private readonly notBefore = new Map<PoolName, number>();
  /** Crashed workers not yet replaced: the next spawns of the pool are restarts. */
  private readonly toRestart = new Map<PoolName, number>();
  private readonly timers = new Map<PoolName, NodeJS.Timeout>();
  /** Unique per scaler process: workers of an earlier (killed) scaler keep other names. */
  private readonly namePrefix = `${hostname()}:scaler-${process.pid}`;
  private spawned = 0;
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

  async setReplicas(pool: PoolName, replicas: number): Promise<void> {
    this.desired.set(pool, replicas);
    await this.reconcile(pool);
  }

  currentReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.live(pool).length);
  }

  /** Workers that logged `ready` and are not draining. */
  readyReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.live(pool).filter((w) => w.state === 'ready').length);
  }

  /** Every worker process of the pool, draining ones included. */
  async describe(pool: PoolName): Promise<WorkerInfo[]> {
    const busy = await this.busy(pool);
    return [...(this.workers.get(pool) ?? [])].map((w) => ({
      pid: w.pid,
      name: w.name,
      state: w.state,
      running: busy ? (busy.get(w.name) ?? 0) : undefined,
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

  /** Running tasks by worker name; undefined when unknown (or Redis did not answer). */
  private busy(pool: PoolName): Promise<Map<string, number> | undefined> {
    return this.options.busyWorkers(pool).catch((err: unknown) => {
      this.options.logger.warn({ pool, err: (err as Error).message }, 'cannot read busy workers');
      return undefined;
    });
  }

  private async scaleIn(pool: PoolName): Promise<void> {
    const busy = await this.busy(pool);
    // Read again after the await: a crash or another call may have changed the pool.
    const live = this.live(pool);
    const excess = live.length - (this.desired.get(pool) ?? 0);
    if (this.closing || excess <= 0) return;
    const ranked = live.map((worker) => ({
      worker,
      state: worker.state,
      running: busy?.get(worker.name) ?? 0,
      startedAt: worker.startedAt,
    }));
    for (const { worker, running } of pickForScaleIn(ranked, excess)) {
      this.options.logger.info(
        {
          pool,
          workerPid: worker.pid,
          workerName: worker.name,
          state: worker.state,
          running: busy ? running : 'unknown',
        },
        'stopping worker',
      );
      worker.stop();
    }
  }

  private async reconcile(pool: PoolName): Promise<void> {
    if (this.closing) return;
    const want = this.desired.get(pool) ?? 0;
    const live = this.live(pool);
    if (live.length >= want) this.toRestart.delete(pool);
    if (live.length > want) return this.scaleIn(pool);
    if (live.length === want) return;
    const wait = (this.notBefore.get(pool) ?? 0) - Date.now();
    if (wait > 0) {
      if (!this.timers.has(pool)) {
        this.timers.set(
          pool,
          setTimeout(() => {
            this.timers.delete(pool);
            void this.reconcile(pool);
          }, wait),
        );
      }
      return;
    }
    for (let i = live.length; i < want; i++) this.spawn(pool);
  }

  private spawn(pool: PoolName): void {
    const restarts = this.toRestart.get(pool) ?? 0;
    if (restarts > 0) {
      this.toRestart.set(pool, restarts - 1);
      this.options.metrics.workerRestarts.inc({ pool });
    }
    const name = `${this.namePrefix}:${pool}:w${++this.spawned}`;
    const worker = new WorkerProcess({
      pool,
      name,
      script: this.options.workerScript,
      env: {
        ...this.options.env,
        AGENTQ_WORKER_NAME: name,
        AGENTQ_POOLS: pool,
        AGENTQ_CONCURRENCY: String(this.options.concurrency),
        AGENTQ_LOG_LEVEL: this.options.workerLogLevel,
      },
      onLine: (w, line) => this.onLine(w, line),
      onExit: (w, code, signal) => this.onExit(w, code, signal),
    });
    this.workers.get(pool)?.add(worker);
    worker.start();
    this.options.logger.info(
      { pool, workerPid: worker.pid, workerName: worker.name },
      'worker started',
    );
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
    this.options.metrics.workerCrashes.inc({ pool });
    this.toRestart.set(pool, (this.toRestart.get(pool) ?? 0) + 1);
    const backoffMs = Math.min(MAX_BACKOFF_MS, this.options.restartBackoffMs * 2 ** (crashes - 1));
    this.notBefore.set(pool, Date.now() + backoffMs);
    this.options.logger.warn(
      { pool, workerPid: worker.pid, code, signal, restartInMs: backoffMs },
      'worker exited unexpectedly; restarting',
    );
    void this.reconcile(pool);
  }
}

/**
 * Scale-in order: the fewest running tasks first (idle ones), then those still starting
 * (not serving yet), then the youngest.
 */
export function pickForScaleIn<W extends { state: string; running: number; startedAt: number }>(
  live: readonly W[],
  count: number,
): W[] {
  const rank = (w: W) => (w.state === 'starting' ? 0 : 1);
  return [...live]
    .sort((a, b) => a.running - b.running || rank(a) - rank(b) || b.startedAt - a.startedAt)
    .slice(0, count);
}
