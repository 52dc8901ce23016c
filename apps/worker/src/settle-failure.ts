import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import {
  ErrorCode,
  decodeTaskError,
  encodeTaskError,
  queueName,
  type PoolName,
  type TaskError,
} from '@agentq/contracts';
import { readAttempts, recordAttempt, type WorkflowEngine, type RedisClient } from '@agentq/queue';
import { classifyError, type AttemptFailure } from './classify-error.js';
import { deadLetterTask } from './dead-letter-task.js';
import { TaskHolds } from './task-hold.js';
import { workflowRefOf } from './workflow-ref.js';

/** What a processor may ask of the worker running it. */
export interface PoolHooks {
  /**
   * Pauses the whole pool (every worker) for this long; only pools with a rate limit of
   * their own have it.
   */
  pausePool?: (ms: number) => Promise<void>;
}

/** A settled attempt's failure: what it records for the task, and whether it is the last. */
export interface SettledFailure {
  taskError: TaskError;
  /** No attempt follows: the task fails with this. */
  final: boolean;
}

/** An attempt that failed and may be retried (BullMQ retries while attempts remain). */
class FailedAttempt extends Error implements SettledFailure {
  constructor(
    readonly taskError: TaskError,
    readonly final: boolean,
  ) {
    super(encodeTaskError(taskError));
  }
}

/** An attempt that fails its task now, whatever attempts remain. */
class FailedTask extends UnrecoverableError implements SettledFailure {
  readonly final = true;

  constructor(readonly taskError: TaskError) {
    super(encodeTaskError(taskError));
  }
}

/** The failure an attempt was settled with, if it was (not for a hand-back or a delay). */
export function settledFailureOf(error: unknown): SettledFailure | undefined {
  return error instanceof FailedAttempt || error instanceof FailedTask ? error : undefined;
}

/** The failure of a run lost with its worker. */
export const STALLED_RUN_MESSAGE =
  'the worker running the task stopped (crashed, killed or blocked past its lock)';

export interface FailureSettlerOptions {
  /** For attempt records, holds and dead letters. */
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  /** Time limit of a task that sets none (a rate-limit hold never outlasts it). */
  defaultTimeoutMs: number;
  /** Longest an attempt waits for rate limits or an open circuit (its time limit if less). */
  maxHoldMs: number;
  /** Told of a workflow step's final failure; absent where no task is a step. */
  workflows?: WorkflowEngine;
}

/**
 * Where a failed attempt is settled, from the error to what happens next: classified
 * (`classifyError`), recorded for people (the attempt records a dead letter shows), then
 * retried with backoff, failed now, handed back, delayed by a rate limit, or, once the task
 * failed for good, dead-lettered and its workflow step failed. Runs lost with their workers
 * (stalls) are recorded here too.
 */
export class FailureSettler {
  private readonly holds: TaskHolds;

  constructor(private readonly options: FailureSettlerOptions) {
    this.holds = new TaskHolds(options.redis);
  }

  /** Throws what BullMQ should see for an attempt of `job` that failed with `error`. */
  async attemptFailed(
    job: Job,
    token: string | undefined,
    error: unknown,
    hooks: PoolHooks,
    startedAt: number,
  ): Promise<never> {
    const log = this.taskLogger(job);
    const attempt = job.attemptsMade + 1;
    const decision = classifyError(error);
    switch (decision.action) {
      case 'hand-back':
        log.info({ attempt }, 'task handed back');
        // BullMQ moves a rate-limited job back to wait without using an attempt.
        throw Worker.RateLimitError();
      case 'rate-limit': {
        const { retryAfterMs, reason } = decision;
        if (hooks.pausePool) {
          log.warn({ attempt, retryAfterMs }, 'pool rate-limited');
          await hooks.pausePool(retryAfterMs);
          throw Worker.RateLimitError();
        }
        // The provider's own limiter holds the other tasks that call it (see the LLM
        // client); the rest of the pool runs on.
        const timeoutMs =
          (job.data as { timeoutMs?: number }).timeoutMs ?? this.options.defaultTimeoutMs;
        const limitMs = Math.min(timeoutMs, this.options.maxHoldMs);
        const hold = await this.holds.decide(job, retryAfterMs, limitMs);
        if (hold.action === 'delay') {
          log.warn({ attempt, retryAfterMs, reason }, 'task held by a rate limit; delayed');
          await job.moveToDelayed(hold.untilMs, token);
          throw new DelayedError();
        }
        const message = `held back ${hold.heldMs} ms (${reason}), more than the ${hold.limitMs} ms an attempt may wait: ${errorMessage(error)}`;
        return this.fail(job, { action: 'retry', code: decision.code }, message, startedAt);
      }
      case 'retry':
      case 'fail':
        return this.fail(job, decision, errorMessage(error), startedAt);
    }
  }

  /**
   * A run of the task was lost with its worker (found when the task is fetched again): it is
   * this attempt, which fails (recorded when the stall was found), and the task runs again
   * after the backoff if attempts remain.
   */
  runLost(job: Job): never {
    this.taskLogger(job).warn({ attempt: job.attemptsMade + 1 }, 'task lost with its worker');
    throw new FailedAttempt(
      { code: ErrorCode.WorkerLost, message: STALLED_RUN_MESSAGE },
      isLastAttempt(job),
    );
  }

  /**
   * BullMQ found the task stalled (its worker died with it): the attempt it was running is
   * recorded, unless the task stalled once too often; then the worker that fetches it next
   * fails it, and records the attempt itself (see `stalledTooOften`).
   */
  async stalled(queue: JobSource, pool: PoolName, taskId: string): Promise<void> {
    const { logger } = this.options;
    let job: Job | undefined;
    try {
      job = await Job.fromId(queue, taskId);
    } catch (err) {
      logger.warn({ pool, taskId, err }, 'task stalled; could not read it');
      return;
    }
    if (!job) {
      // Failed and removed already (retention): a record now would belong to no task.
      logger.warn({ pool, taskId }, 'task stalled; already gone');
    } else if (job.deferredFailure) {
      logger.warn({ pool, taskId }, 'task stalled; failing it');
    } else {
      logger.warn({ pool, taskId }, 'task stalled; taken over');
      await this.recordStall(pool, taskId, job.attemptsMade, job.processedOn);
    }
  }

  /**
   * What a task whose workers stopped more often than `maxStalledCount` allows fails with,
   * once the stall that fails it is recorded (by the worker failing it, so that its dead
   * letter holds that attempt). BullMQ retries a failing move after a connection error, and a
   * worker may die between this record and the move: each stall is recorded once, told by the
   * job's stall count.
   */
  async stalledTooOften(pool: PoolName, job: Job, maxStalledCount: number): Promise<Error> {
    const { redis, prefix, logger } = this.options;
    const taskId = job.id ?? '';
    let recorded = false;
    try {
      const records = await readAttempts(redis, prefix, queueName(pool), taskId);
      // Stalls are the only attempts recorded as WORKER_LOST.
      const stalls = records.filter((record) => record.code === ErrorCode.WorkerLost).length;
      recorded = stalls >= job.stalledCounter;
    } catch (err) {
      logger.warn({ taskId, err }, 'could not read the attempt records');
    }
    // The fetch that fails it set processedOn anew: the stalled attempt's start is lost.
    if (!recorded) await this.recordStall(pool, taskId, job.attemptsMade, undefined);
    return new FailedTask({
      code: ErrorCode.WorkerLost,
      message:
        maxStalledCount === 0
          ? 'the worker running this task stopped (crashed, killed or blocked past its lock); this pool never runs a task twice'
          : `the task was running on ${job.stalledCounter} workers when they stopped (crashed, killed or blocked past its lock): it is taken for a task that kills its workers and not run again (maxStalledCount ${maxStalledCount})`,
    });
  }

  /**
   * The task failed for good: it goes to the dead-letter list (a cancelled one is only
   * cleaned up), and its workflow step fails, should its processor not have said so (its
   * workers kept dying). Answers what became of it.
   */
  async taskFailed(pool: PoolName, job: Job): Promise<'dead-lettered' | 'cancelled'> {
    const outcome = await deadLetterTask(this.options.redis, this.options.prefix, pool, job);
    const ref = workflowRefOf(job);
    // Idempotent: a failure the step's processor already reported changes nothing.
    if (ref) await this.options.workflows?.onStepFailure(ref, decodeTaskError(job.failedReason));
    return outcome;
  }

  /** Records the failed attempt for people, then fails it as BullMQ should see it. */
  private async fail(
    job: Job,
    decision: AttemptFailure,
    message: string,
    startedAt: number,
  ): Promise<never> {
    const { redis, prefix } = this.options;
    const log = this.taskLogger(job);
    const attempt = job.attemptsMade + 1;
    const taskError = { code: decision.code, message };
    log.warn({ attempt, reason: encodeTaskError(taskError) }, 'task attempt failed');
    const record = {
      attempt,
      code: decision.code,
      message,
      at: Date.now(),
      startedAt,
      ...(job.processedBy === undefined ? {} : { worker: job.processedBy }),
    };
    // The record is for people; failing to write it must not change the outcome.
    await recordAttempt(redis, prefix, job.queueName, job.id ?? '', record).catch((err: unknown) =>
      log.error({ err }, 'could not record the failed attempt'),
    );
    if (decision.action === 'fail') throw new FailedTask(taskError);
    // The next attempt may be held as long as this one could.
    await this.holds
      .reset(job)
      .catch((err: unknown) => log.error({ err }, 'could not reset the hold'));
    throw new FailedAttempt(taskError, isLastAttempt(job));
  }

  /**
   * `startedAt`: when the lost run started, if known. Its worker is not recorded: by the
   * time BullMQ reports the stall, a live worker may have fetched the task and put its own
   * name where the lost one's was.
   */
  private async recordStall(
    pool: PoolName,
    taskId: string,
    attemptsMade: number,
    startedAt: number | undefined,
  ): Promise<void> {
    const { redis, prefix, logger } = this.options;
    const record = {
      attempt: attemptsMade + 1,
      code: ErrorCode.WorkerLost,
      message: STALLED_RUN_MESSAGE,
      at: Date.now(),
      startedAt,
    };
    await recordAttempt(redis, prefix, queueName(pool), taskId, record).catch((err: unknown) =>
      logger.error({ taskId, err }, 'could not record the stalled attempt'),
    );
  }

  private taskLogger(job: Job): Logger {
    const step = workflowRefOf(job);
    return this.options.logger.child({
      taskId: job.id,
      agent: job.name,
      ...(step ? { workflowId: step.id, step: step.step } : {}),
    });
  }
}

/** Where a stalled task is read from: the pool's worker. */
type JobSource = Parameters<typeof Job.fromId>[0];

/** BullMQ's rule: an attempt is the last when it uses the task's last allowed attempt. */
function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
