import type { RedisClient } from './connection.js';
import { subscribeChannel } from './pubsub.js';

/**
 * How the gateway asks whichever worker runs a task to abort it. Two parts, because a
 * message alone can miss a task that is between being fetched and starting:
 * - a record in one sorted set per prefix (task id, scored by when it was cancelled), kept a
 *   day: a worker loads the recent ones when it subscribes and asks about older tasks;
 * - a pub/sub message, which aborts an agent that is already running.
 */
export const CANCEL_RETENTION_MS = 86_400_000;

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

function cancelsKey(prefix: string): string {
  return `${prefix}:cancels`;
}

/** Records the cancel and tells every worker; resolves once both are sent. */
export async function requestCancel(
  redis: RedisClient,
  prefix: string,
  taskId: string,
): Promise<void> {
  const now = Date.now();
  await redis
    .multi()
    .zadd(cancelsKey(prefix), now, taskId)
    .zremrangebyscore(cancelsKey(prefix), '-inf', now - CANCEL_RETENTION_MS)
    .publish(cancelChannel(prefix), taskId)
    .exec();
}

/** Whether a cancel was requested for the task (within the retention). */
export async function isCancelRequested(
  redis: RedisClient,
  prefix: string,
  taskId: string,
): Promise<boolean> {
  const at = await redis.zscore(cancelsKey(prefix), taskId);
  return at !== null && Number(at) > Date.now() - CANCEL_RETENTION_MS;
}

export interface RecentCancels {
  /** Oldest first; `at` is when the cancel was requested (ms, the requester's clock). */
  cancels: { taskId: string; at: number }[];
  /** False when older cancels within the retention were left out (more than `limit`). */
  complete: boolean;
}

/** The newest `limit` cancels within the retention, in one round trip. */
export async function recentCancels(
  redis: RedisClient,
  prefix: string,
  limit: number,
): Promise<RecentCancels> {
  const since = Date.now() - CANCEL_RETENTION_MS;
  // One more than asked: its presence says the answer is incomplete.
  const flat = await redis.zrevrangebyscore(
    cancelsKey(prefix),
    '+inf',
    `(${since}`,
    'WITHSCORES',
    'LIMIT',
    0,
    limit + 1,
  );
  const cancels: RecentCancels['cancels'] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    cancels.push({ taskId: flat[i] ?? '', at: Number(flat[i + 1]) });
  }
  const complete = cancels.length <= limit;
  return { cancels: cancels.slice(0, limit).reverse(), complete };
}

/**
 * Calls `onCancel(taskId)` for every cancel request. `subscriber` must be a connection of
 * its own (it enters subscriber mode); the returned function unsubscribes.
 */
export function onCancelRequest(
  subscriber: RedisClient,
  prefix: string,
  onCancel: (taskId: string) => void,
): Promise<() => Promise<void>> {
  return subscribeChannel(subscriber, cancelChannel(prefix), onCancel);
}
