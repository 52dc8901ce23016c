import type { Queue } from 'bullmq';
import type { RedisClient } from './connection.js';
import { loadLuaScript } from './scripts/lua-script.js';

/** A running task whose worker had no connection when it was found, with its lock as then. */
export interface OrphanedTask {
  taskId: string;
  /** The `processedBy` of the task: the worker that holds its lock. */
  owner: string;
  /** The lock's token. */
  token: string;
  /** When the lock expires (Redis time, ms): a renewal moves it. */
  expiresAt: number;
}

type QueueKeys = Pick<Queue, 'toKey'>;

/** Active tasks whose worker is not connected (`lua/orphaned-find.lua`). */
const FIND_ORPHANED = loadLuaScript<string[]>('orphaned-find');

/**
 * The running tasks of the queue whose worker is not one of `connected` (names as in
 * `processedBy`), with their locks. Tasks with no `processedBy` (unnamed workers) are never
 * returned. One script: with N active tasks it reads N hash fields.
 */
export async function findOrphanedTasks(
  redis: RedisClient,
  queue: QueueKeys,
  connected: ReadonlySet<string>,
): Promise<OrphanedTask[]> {
  const flat = await FIND_ORPHANED.run(
    redis,
    [queue.toKey('active')],
    [queue.toKey(''), ...connected],
  );
  const tasks: OrphanedTask[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const [taskId, owner, token, expiresAt] = flat.slice(i, i + 4) as [
      string,
      string,
      string,
      string,
    ];
    tasks.push({ taskId, owner, token, expiresAt: Number(expiresAt) });
  }
  return tasks;
}

/**
 * How far a lock's expiry may seem to move without a renewal (the two reads take Redis's
 * clock at different moments of their scripts). A renewal moves it by at least a quarter of
 * the lock duration (BullMQ renews no sooner), never less than 250 ms.
 */
const EXPIRY_SLACK_MS = 50;

/** Makes untouched orphaned tasks stalled for BullMQ (`lua/orphaned-release.lua`). */
const RELEASE_ORPHANED = loadLuaScript<string[]>('orphaned-release');

/**
 * Releases tasks found by {@link findOrphanedTasks} whose lock nobody touched since (same
 * owner, same token, not renewed), in one script: they become stalled for BullMQ, and the
 * next stalled-job check (its throttle cleared) moves them back to wait, counting the stall,
 * emitting `stalled`, failing a task stalled too often. Answers the ids released.
 */
export async function releaseOrphanedTasks(
  redis: RedisClient,
  queue: QueueKeys,
  tasks: readonly OrphanedTask[],
): Promise<string[]> {
  if (tasks.length === 0) return [];
  const quads = tasks.flatMap(({ taskId, owner, token, expiresAt }) => [
    taskId,
    owner,
    token,
    String(expiresAt),
  ]);
  return RELEASE_ORPHANED.run(
    redis,
    [queue.toKey('stalled'), queue.toKey('stalled-check')],
    [queue.toKey(''), EXPIRY_SLACK_MS, ...quads],
  );
}
