import type { Redis } from 'ioredis';
import { subscribeChannel } from './pubsub.js';

/**
 * How the gateway asks whichever worker runs a task to abort it. Two parts, because a
 * message alone can miss a task that is between being fetched and starting:
 * - a marker key, checked by the worker before it starts an agent (kept a day);
 * - a pub/sub message, which aborts an agent that is already running.
 */
const MARKER_TTL_SECONDS = 86_400;

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

function markerKey(prefix: string, taskId: string): string {
  return `${prefix}:cancelled:${taskId}`;
}

/** Marks the task cancelled and tells every worker; resolves once both are sent. */
export async function requestCancel(redis: Redis, prefix: string, taskId: string): Promise<void> {
  await redis
    .multi()
    .set(markerKey(prefix, taskId), '1', 'EX', MARKER_TTL_SECONDS)
    .publish(cancelChannel(prefix), taskId)
    .exec();
}

/** Whether a cancel was requested for the task. */
export async function isCancelRequested(
  redis: Redis,
  prefix: string,
  taskId: string,
): Promise<boolean> {
  return (await redis.exists(markerKey(prefix, taskId))) === 1;
}

/**
 * Calls `onCancel(taskId)` for every cancel request. `subscriber` must be a connection of
 * its own (it enters subscriber mode); the returned function unsubscribes.
 */
export function onCancelRequest(
  subscriber: Redis,
  prefix: string,
  onCancel: (taskId: string) => void,
): Promise<() => Promise<void>> {
  return subscribeChannel(subscriber, cancelChannel(prefix), onCancel);
}
