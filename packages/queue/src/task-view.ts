import type { Job, JobState } from 'bullmq';
import {
  ErrorCode,
  decodeTaskError,
  priorityLevelOf,
  type PoolName,
  type TaskJobData,
  type TaskState,
  type TaskView,
} from '@agentq/contracts';
import { traceIdOf } from '@agentq/telemetry';

/** BullMQ's state of a job (or 'unknown' when it vanished while being read). */
export type BullState = JobState | 'unknown';

function isoOrNull(ms: number | undefined): string | null {
  return ms ? new Date(ms).toISOString() : null;
}

/** The task state a client sees for a BullMQ job state. */
export function taskStateOf(state: BullState, failedReason: string | undefined): TaskState {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
    case 'unknown':
      return 'waiting';
    case 'delayed':
      return 'delayed';
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return failedReason !== undefined &&
        decodeTaskError(failedReason).code === ErrorCode.Cancelled
        ? 'cancelled'
        : 'failed';
  }
}

/** The client's view of a task from its BullMQ job. */
export function toTaskView(job: Job<TaskJobData>, state: BullState, pool: PoolName): TaskView {
  const failed = state === 'failed';
  const finishedOn = state === 'completed' || failed ? job.finishedOn : undefined;
  return {
    id: job.id ?? '',
    state: taskStateOf(state, job.failedReason),
    agent: job.data.agent,
    pool,
    priority: priorityLevelOf(job.opts.priority ?? 0),
    progress: job.progress ?? null,
    result: state === 'completed' ? (job.returnvalue ?? null) : null,
    error: failed && job.failedReason ? decodeTaskError(job.failedReason) : null,
    attemptsMade: job.attemptsMade,
    runs: job.attemptsStarted,
    worker: job.processedBy ?? null,
    createdAt: new Date(job.timestamp).toISOString(),
    startedAt: isoOrNull(job.processedOn),
    finishedAt: isoOrNull(finishedOn),
    ...(job.data.metadata ? { metadata: job.data.metadata } : {}),
    ...traceIdField(job.data.trace),
  };
}

function traceIdField(carrier: TaskJobData['trace']): Pick<TaskView, 'traceId'> {
  const traceId = traceIdOf(carrier);
  return traceId === undefined ? {} : { traceId };
}
