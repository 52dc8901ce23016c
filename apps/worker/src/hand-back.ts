/**
 * The reason a worker gives when it aborts its own running tasks at the end of a drain: the
 * task did nothing wrong, so it goes back to the queue for another worker, using no attempt.
 */
export class HandBackError extends Error {
  override readonly name: string = 'HandBackError';
}

/**
 * The same, in a pool that never runs a task twice (maxStalledCount 0): the interrupted task
 * fails instead of going back, as it would had the worker crashed.
 */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/**
 * The reason a worker stops a running task whose lock it lost (found so when it reconnects
 * or when a renewal fails): another worker may run the task now. Handed back like a drain's
 * task, but BullMQ's move checks the lock and refuses it, so nothing is written.
 */
export class LockLostError extends HandBackError {
  override readonly name = 'LockLostError';
}
