/**
 * The reason a worker gives when it aborts its own running tasks at the end of a drain: the
 * task did nothing wrong, so it goes back to the queue for another worker, using no attempt.
 */
export class HandBackError extends Error {
  override readonly name = 'HandBackError';
}

/**
 * The same, in a pool that never runs a task twice (maxStalledCount 0): the interrupted task
 * fails instead of going back, as it would had the worker crashed.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}
