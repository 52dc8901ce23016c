import { Queue, type Job, type Processor } from 'bullmq';
import { CancelledError } from '@agentq/agents';
import type { Logger } from 'pino';
import { ErrorCode, decodeTaskError, queueName, type TaskJobData } from '@agentq/contracts';
import {
  StallAwareWorker,
  keepAttemptsFor,
  poolKeyPrefix,
  createBackoffStrategy,
  type BackoffLimits,
  type ClientErrors,
  type FinishedState,
  type FinishedTasks,
  type PoolRollups,
  type RedisClient,
} from '@agentq/queue';
import type { Cancellable } from './cancel-listener.js';
import type { PoolSettings } from './config.js';
import { DeadWorkerWatch, type FailoverSettings } from './dead-worker-watch.js';
import { sweepFailedTasks } from './dead-letter-task.js';
import { DeferredBookkeeping } from './deferred-bookkeeping.js';
import { HandBackError, InterruptedError } from './hand-back.js';
import { LockLossGuard } from './lock-loss-guard.js';
import type { WorkerMetrics } from './metrics.js';
import type { TaskProcessor } from './run-task.js';
import type { FailureSettler, PoolHooks } from './settle-failure.js';
import { TaskAbort } from './task-abort.js';

export interface PoolWorkerOptions {
  settings: PoolSettings;
  /** Runs the pool's tasks. */
  processor: TaskProcessor;
  connection: RedisClient;
  prefix: string;
  /** Shown by `queue.getWorkers()`: host, pid, pools, concurrency. */
  workerName: string;
  backoff: BackoffLimits;
  metrics: WorkerMetrics;
  logger: Logger;
  /** The shared clients' errors, logged where they are watched; this logs the rest. */
  clientErrors: ClientErrors;
  /** Releases dead workers' tasks at once; unset: they wait for their locks to expire. */
  failover?: FailoverSettings;
  /** Settles stalls and tasks that failed for good (dead letter, workflow step). */
  failures: FailureSettler;
  /** Where each finished task leaves a record that outlives its job (410 at the gateway). */
  finished?: FinishedTasks;
  /** Per-minute counts and start latencies of the pool, for the console's charts. */
  rollups?: PoolRollups;
}

/** One BullMQ worker serving one pool's queue, with its bookkeeping and drain. */
export class PoolWorker implements Cancellable {
  private worker: StallAwareWorker | undefined;
  private queue: Queue | undefined;
  private watch: DeadWorkerWatch | undefined;
  private lockGuard: LockLossGuard | undefined;
  /** The tasks running here, each with its abort. */
  private readonly inFlight = new Map<string, TaskAbort>();
  /** Dead letters and attempt records being written; close() waits for them. */
  private readonly bookkeeping = new Set<Promise<void>>();
  /** Metrics and log lines of started and ended tasks, kept off the next task's path. */
  private readonly later = new DeferredBookkeeping((err) =>
    this.options.logger.error({ pool: this.options.settings.pool, err }, 'bookkeeping failed'),
  );

  constructor(private readonly options: PoolWorkerOptions) {}

  /** Ids of the tasks this worker runs now. */
  tasksInFlight(): string[] {
    return [...this.inFlight.keys()];
  }

  /** Aborts the task's signal if it runs here; run-task fails it as cancelled. */
  cancel(taskId: string): boolean {
    const abort = this.inFlight.get(taskId);
    abort?.abort(new CancelledError('task cancelled'));
    return abort !== undefined;
  }

  isRunning(): boolean {
    return this.worker?.isRunning() ?? false;
  }

  async start(): Promise<void> {
    const { settings, connection, prefix, logger, metrics, clientErrors } = this.options;
    const { pool } = settings;
    const keyPrefix = poolKeyPrefix(prefix, pool);
    const queue = new Queue(queueName(pool), { connection, prefix: keyPrefix });
    clientErrors.hear(queue, (err) => logger.warn({ pool, err: err.message }, 'queue error'));
    this.queue = queue;
    if (settings.globalConcurrency !== undefined) {
      await queue.setGlobalConcurrency(settings.globalConcurrency);
    }
    const stopTask = (taskId: string, reason: Error) => this.inFlight.get(taskId)?.abort(reason);
    this.lockGuard = new LockLossGuard({
      connection,
      queue,
      stopTask,
      logger: logger.child({ pool }),
    });
    const failures = this.options.failures;
    const worker = new StallAwareWorker(
      queueName(pool),
      this.lockGuard.wrap(this.instrument()),
      {
        connection,
        prefix: keyPrefix,
        name: this.options.workerName,
        concurrency: settings.concurrency,
        autorun: false,
        lockDuration: settings.lockDurationMs,
        stalledInterval: settings.stalledIntervalMs,
        maxStalledCount: settings.maxStalledCount,
        // A limiter costs Redis work on every fetch: only pools with a rate limit have one.
        limiter: settings.rateLimit && {
          max: settings.rateLimit.max,
          duration: settings.rateLimit.durationMs,
        },
        settings: { backoffStrategy: createBackoffStrategy(this.options.backoff) },
      },
      (job) => failures.stalledTooOften(pool, job, settings.maxStalledCount),
    );
    clientErrors.hear(worker, (err) => logger.error({ pool, err: err.message }, 'worker error'));
    worker.on('stalled', (taskId) => this.track(failures.stalled(worker, pool, taskId)));
    worker.on('completed', (job) => this.onCompleted(job));
    worker.on('failed', (job, err) => this.track(this.onFailed(job, err)));
    this.worker = worker;
    metrics.concurrency.set({ pool }, settings.concurrency);
    metrics.countActive(pool, () => this.inFlight.size);
    worker.run().catch((err: unknown) => logger.error({ pool, err }, 'worker stopped'));
    await worker.waitUntilReady();
    this.lockGuard.start(worker);
    if (this.options.failover) {
      this.watch = new DeadWorkerWatch({
        connection,
        queue,
        prefix: keyPrefix,
        workerName: this.options.workerName,
        settings: this.options.failover,
        checkStalled: () => worker.startStalledCheckTimer(),
        logger: logger.child({ pool }),
      });
      this.watch.start();
    }
    this.track(this.sweep());
  }

  /** Runs bookkeeping in the background; close() waits for it. */
  private track(work: Promise<void>): void {
    const { settings, logger } = this.options;
    const guarded = work
      .catch((err: unknown) => logger.error({ pool: settings.pool, err }, 'bookkeeping failed'))
      .finally(() => this.bookkeeping.delete(guarded));
    this.bookkeeping.add(guarded);
  }

  private async sweep(): Promise<void> {
    const { settings, connection, prefix, logger } = this.options;
    if (!this.queue) return;
    try {
      const added = await sweepFailedTasks(this.queue, connection, prefix, settings.pool);
      if (added.length > 0) {
        logger.warn(
          { pool: settings.pool, taskIds: added },
          'dead-lettered failed tasks found without a dead letter',
        );
      }
    } catch (err) {
      logger.error({ pool: settings.pool, err }, 'dead-letter sweep failed');
    }
  }

  /**
   * Stops taking tasks and gives the running ones the pool's drain time; then aborts those
   * still running and hands them back to the queue (no attempt used), so another worker
   * starts them at once instead of after the lock expires. A pool that never runs a task
   * twice (maxStalledCount 0) fails them instead.
   */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const { settings, logger } = this.options;
    this.watch?.close();
    const closed = worker.close();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      closed.then(() => true),
      new Promise<false>(
        (resolve) => (timer = setTimeout(resolve, settings.drainTimeoutMs, false)),
      ),
    ]);
    clearTimeout(timer);
    if (!drained) {
      const handBack = settings.maxStalledCount > 0;
      logger.warn(
        { pool: settings.pool, taskIds: this.tasksInFlight(), handBack },
        'drain time over; stopping running tasks',
      );
      const reason = handBack
        ? new HandBackError('the worker is shutting down')
        : new InterruptedError(
            'the worker shut down while the task ran; not run again (maxStalledCount 0)',
          );
      for (const abort of this.inFlight.values()) abort.abort(reason);
      await closed;
    }
    this.lockGuard?.close();
    await Promise.allSettled(this.bookkeeping);
    this.later.flush();
    await this.queue?.close();
  }

  /**
   * A pool with a rate limit of its own pauses as a whole (every worker, through BullMQ's
   * limiter key) when a task is told to come back later; in the others only that task waits.
   */
  private hooks(): PoolHooks {
    if (!this.options.settings.rateLimit) return {};
    return {
      pausePool: async (ms) => {
        await this.queue?.rateLimit(ms);
      },
    };
  }

  /**
   * The processor with in-flight tracking, its abort and metrics around it. It declares two
   * parameters, so BullMQ makes no abort controller of its own: the TaskAbort carries
   * cancels, drains and time limits, each with an Error as its reason.
   */
  private instrument(): Processor {
    const { metrics, settings } = this.options;
    const { processor } = this.options;
    const hooks = this.hooks();
    const pool = settings.pool;
    const queueWait = metrics.queueWait.labels(pool);
    const rollups = this.options.rollups;
    return async (job, token) => {
      const id = job.id ?? '';
      const abort = new TaskAbort();
      this.inFlight.set(id, abort);
      const startedAt = performance.now();
      this.later.defer(() => {
        metrics.taskSeries(pool, job.name).started.inc();
        let waitMs: number | undefined;
        if (job.attemptsStarted <= 1 && job.processedOn !== undefined) {
          const readyAt = job.timestamp + (job.opts.delay ?? 0);
          waitMs = Math.max(0, job.processedOn - readyAt);
          queueWait.observe(waitMs / 1000);
        }
        rollups?.started(pool, waitMs);
      });
      try {
        return await processor(job, token, abort, hooks);
      } finally {
        const seconds = (performance.now() - startedAt) / 1000;
        this.inFlight.delete(id);
        this.later.defer(() => metrics.taskSeries(pool, job.name).duration.observe(seconds));
      }
    };
  }

  private onCompleted(job: Job): void {
    const { settings, connection, prefix, metrics, logger } = this.options;
    this.recordFinished(job, 'completed');
    this.later.defer(() => {
      metrics.taskSeries(settings.pool, job.name).completed.inc();
      this.options.rollups?.count(settings.pool, 'completed');
      logger.info({ pool: settings.pool, taskId: job.id }, 'task completed');
    });
    // attemptsMade counts the attempt that just succeeded: records exist only after an
    // earlier failure or a takeover. They stay as long as the completed task does.
    const keptFor = keptSeconds(job.opts.removeOnComplete);
    if ((job.attemptsMade > 1 || job.stalledCounter > 0) && keptFor !== undefined) {
      this.track(
        keepAttemptsFor(connection, prefix, job.queueName, job.id ?? '', keptFor).catch(
          (err: unknown) => logger.warn({ taskId: job.id, err }, 'could not keep attempt records'),
        ),
      );
    }
  }

  private recordFinished(job: Job, state: FinishedState): void {
    const tenant = (job.data as Partial<TaskJobData> | undefined)?.tenant;
    if (tenant === undefined || job.id === undefined) return;
    this.options.finished?.add(tenant, job.id, state, job.finishedOn ?? Date.now());
  }

  private async onFailed(job: Job | undefined, err: Error): Promise<void> {
    const { settings, metrics, logger, failures } = this.options;
    const pool = settings.pool;
    const labels = { pool, agent: job?.name ?? 'unknown' };
    if (job && !job.finishedOn) {
      metrics.retried.inc(labels);
      this.options.rollups?.count(pool, 'retried');
      // job.delay is the backoff BullMQ just drew for the next attempt.
      logger.info(
        { pool, taskId: job.id, attemptsMade: job.attemptsMade, retryDelayMs: job.delay },
        'task will retry',
      );
      return;
    }
    metrics.failed.inc(labels);
    this.options.rollups?.count(pool, 'failed');
    logger.warn({ pool, taskId: job?.id, reason: err.message }, 'task failed');
    if (job) {
      const cancelled = decodeTaskError(err.message).code === ErrorCode.Cancelled;
      this.recordFinished(job, cancelled ? 'cancelled' : 'failed');
    }
    if (!job) {
      // BullMQ gives no job when a task failed by stalling was removed at once (removeOnFail).
      logger.error({ pool, reason: err.message }, 'failed task vanished before dead-lettering');
      metrics.deadLetterErrors.inc({ pool });
      return;
    }
    try {
      const outcome = await failures.taskFailed(pool, job);
      logger.info({ pool, taskId: job.id, outcome }, 'task settled');
    } catch (error) {
      metrics.deadLetterErrors.inc({ pool });
      logger.error({ pool, taskId: job.id, err: error }, 'could not dead-letter the task');
    }
  }
}

/** How long BullMQ keeps a completed job, in seconds, when its options bound it by age. */
function keptSeconds(removeOnComplete: Job['opts']['removeOnComplete']): number | undefined {
  return typeof removeOnComplete === 'object' && 'age' in removeOnComplete
    ? removeOnComplete.age
    : undefined;
}
