/**
 * The reason a worker gives when it aborts its own running tasks at the end of a drain: the
 * task did nothing wrong, so it goes back to the queue for another worker, using no attempt.
 */
export class HandBackError extends Error {
  override readonly name = 'HandBackError';
}

/** Passed to `worker.cancelAllJobs` on shutdown, to tell it apart from a user's cancel. */
export const HAND_BACK_REASON = 'agentq:worker-shutdown';
