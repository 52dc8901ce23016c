import {
  DEFAULT_PRIORITY,
  TaskJobDataSchema,
  decodeTaskError,
  priorityLevelOf,
  type DeadLetterView,
} from '@agentq/contracts';
import type { AttemptRecord, DeadLetter } from '@agentq/queue';

const iso = (ms: number) => new Date(ms).toISOString();

/** What a client reads about a dead letter: the spec and the errors, not BullMQ's options. */
export function toDeadLetterView(entry: DeadLetter): DeadLetterView {
  const data = TaskJobDataSchema.safeParse(entry.data);
  const priority = entry.opts.priority;
  return {
    id: entry.taskId,
    pool: entry.pool,
    agent: entry.name,
    priority: typeof priority === 'number' ? priorityLevelOf(priority) : DEFAULT_PRIORITY,
    input: data.success ? data.data.input : entry.data,
    ...(data.success && data.data.metadata !== undefined ? { metadata: data.data.metadata } : {}),
    error: decodeTaskError(entry.failedReason),
    attemptsMade: entry.attemptsMade,
    runs: entry.runs ?? entry.attempts.length,
    attempts: entry.attempts.map(attemptView),
    createdAt: iso(entry.createdAt),
    failedAt: iso(entry.failedAt),
  };
}

/** A recorded failed attempt as the API shows it. */
export function attemptView(attempt: AttemptRecord): DeadLetterView['attempts'][number] {
  return {
    attempt: attempt.attempt,
    code: attempt.code,
    message: attempt.message,
    failedAt: iso(attempt.at),
    startedAt: attempt.startedAt === undefined ? null : iso(attempt.startedAt),
    ...(attempt.worker === undefined ? {} : { worker: attempt.worker }),
  };
}
