import type { JobsOptions } from 'bullmq';
import { Priority, type TaskSpec } from '@agentq/contracts';

/**
 * How long finished tasks are kept. Bounded by default so Redis memory does not grow
 * without end; a task older than this, or beyond the count, is removed.
 */
export interface RetentionPolicy {
  /** @defaultValue 86400 (one day) */
  completedAgeSeconds: number;
  /** @defaultValue 10000 */
  completedCount: number;
  /** @defaultValue 604800 (one week) */
  failedAgeSeconds: number;
  /** @defaultValue 50000 */
  failedCount: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  completedAgeSeconds: 86_400,
  completedCount: 10_000,
  failedAgeSeconds: 604_800,
  failedCount: 50_000,
};

/** Retry defaults for a task that does not set its own. */
export interface RetryDefaults {
  /** @defaultValue 5 */
  attempts: number;
  /** First backoff delay. @defaultValue 1000 */
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryDefaults = { attempts: 5, backoffMs: 1000 };

/** BullMQ options for one task. `jobId` is the task id. */
export function taskJobOptions(
  spec: TaskSpec,
  jobId: string,
  retention: RetentionPolicy = DEFAULT_RETENTION,
  retry: RetryDefaults = DEFAULT_RETRY,
): JobsOptions {
  const backoff = spec.backoff ?? { type: 'exponential', delayMs: retry.backoffMs };
  return {
    jobId,
    priority: Priority[spec.priority],
    delay: spec.delayMs > 0 ? spec.delayMs : undefined,
    attempts: spec.attempts ?? retry.attempts,
    // Full jitter spreads retries of tasks that failed together (a provider outage).
    backoff: { type: backoff.type, delay: backoff.delayMs, jitter: 1 },
    removeOnComplete: { age: retention.completedAgeSeconds, count: retention.completedCount },
    removeOnFail: { age: retention.failedAgeSeconds, count: retention.failedCount },
  };
}
