import { ErrorCode } from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';

/**
 * ioredis's words for a command that was sent but not answered: it timed out, or the
 * connection closed under it. Redis may have run it (a frozen server runs it when it wakes),
 * so a write that failed this way may have happened.
 */
const UNCONFIRMED_MESSAGES = new Set(['Command timed out', 'Connection is closed.']);

/** A write Redis took, but not on as many replicas as a submit must wait for. */
export class UnreplicatedWrite extends Error {
  override readonly name = 'UnreplicatedWrite';
}

/** The gate took a submit on a Cluster, but queueing its jobs in their pools failed. */
export class QueueingFailed extends Error {
  override readonly name = 'QueueingFailed';
}

export function mayHaveWritten(error: unknown): boolean {
  return (
    error instanceof UnreplicatedWrite ||
    error instanceof QueueingFailed ||
    (error instanceof Error && UNCONFIRMED_MESSAGES.has(error.message))
  );
}

/**
 * The answer to a write Redis did not confirm: not "unavailable", which clients retry as
 * if nothing happened, but the id the task or workflow has if it was queued, so that a GET
 * tells, and the one safe retry.
 */
export function outcomeUnknown(
  ids: { taskIds: readonly string[] } | { workflowId: string },
): ApiError {
  const named =
    'workflowId' in ids
      ? `workflow ${ids.workflowId}`
      : ids.taskIds.length === 1
        ? `task ${ids.taskIds[0]}`
        : `tasks ${ids.taskIds.join(', ')}`;
  const details =
    'workflowId' in ids
      ? ids
      : { taskIds: ids.taskIds, ...(ids.taskIds.length === 1 ? { taskId: ids.taskIds[0] } : {}) };
  return new ApiError(
    ErrorCode.OutcomeUnknown,
    `Redis did not confirm the submit: ${named} may or may not have been queued. A GET tells; a retry is only safe with the same Idempotency-Key.`,
    details,
  );
}
