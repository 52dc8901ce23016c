import type { JobsOptions } from 'bullmq';
import { Priority, type TaskSpec } from '@agentq/contracts';
import { BACKOFF_TYPE } from './backoff.js';

/**
 * How long finished tasks are kept: by age, so a result stays readable for a day however
 * many tasks run, with a count per pool only as a memory bound (a count alone keeps results
 * for seconds at thousands of tasks a second). A task older than this, or beyond the count,
 * is removed; its finished record (finished-tasks.ts) still answers 410 for it.
 */
export interface RetentionPolicy {
  /** @defaultValue 86400 (one day) */
  completedAgeSeconds: number;
  /** @defaultValue 1000000 */
  completedCount: number;
  /** @defaultValue 604800 (one week) */
  failedAgeSeconds: number;
  /** @defaultValue 1000000 */
  failedCount: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  completedAgeSeconds: 86_400,
  completedCount: 1_000_000,
  failedAgeSeconds: 604_800,
  failedCount: 1_000_000,
};

/**
 * Retry defaults for a task that does not set its own. The backoff base and cap of a task
 * without its own backoff are the worker's (AGENTQ_WORKER_BACKOFF_BASE_MS / _CAP_MS).
 */
export interface RetryDefaults {
  /** @defaultValue 5 */
  attempts: number;
}

export const DEFAULT_RETRY: RetryDefaults = { attempts: 5 };

/** BullMQ options for one task. `jobId` is the task id. */
export function taskJobOptions(
  spec: TaskSpec,
  jobId: string,
  retention: RetentionPolicy = DEFAULT_RETENTION,
  retry: RetryDefaults = DEFAULT_RETRY,
): JobsOptions {
  return {
    jobId,
    priority: Priority[spec.priority],
    delay: spec.delayMs > 0 ? spec.delayMs : undefined,
    attempts: spec.attempts ?? retry.attempts,
    // agentq's backoff types: the worker applies full jitter and its cap (see backoff.ts);
    // without a delay of its own the task uses the worker's base.
    backoff: spec.backoff
      ? { type: BACKOFF_TYPE[spec.backoff.type], delay: spec.backoff.delayMs }
      : { type: BACKOFF_TYPE.exponential },
    removeOnComplete: { age: retention.completedAgeSeconds, count: retention.completedCount },
    removeOnFail: { age: retention.failedAgeSeconds, count: retention.failedCount },
  };
}
