import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { PoolNameSchema, type PoolName } from '@agentq/contracts';
import { AttemptRecordSchema } from './task-attempts.js';

/**
 * The dead-letter list: tasks that failed for good (last attempt used, or a failure that
 * is never retried), kept with everything needed to run them again.
 *
 * Storage: a hash (entry per task, JSON) plus sorted-set indexes by failure time (one for
 * all pools, one per pool), under the app's key prefix. Chosen over a second BullMQ queue
 * because a dead letter is not work to do: a queue would show it as "waiting" forever
 * (Bull Board, queue counts, the scaler's backlog), and we need random access by task id
 * and stable newest-first pages, which a sorted set gives directly. Add and remove are one
 * MULTI each; with a hash-tagged prefix ({agentq}) all keys share a Redis Cluster slot.
 * Entries are kept until re-driven: nothing is dropped silently.
 */
export const DeadLetterSchema = z.object({
  pool: PoolNameSchema,
  taskId: z.string(),
  /** The BullMQ job name (the agent). */
  name: z.string(),
  /** The job data as queued (`TaskJobData`). */
  data: z.unknown(),
  /** The job options as queued (priority, attempts, backoff, retention ...). */
  opts: z.record(z.string(), z.unknown()),
  /** The final reason, `[CODE] message`. */
  failedReason: z.string(),
  attemptsMade: z.number().int().min(0),
  /** Every failed attempt, oldest first. */
  attempts: z.array(AttemptRecordSchema),
  createdAt: z.number(),
  failedAt: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

const entriesKey = (prefix: string) => `${prefix}:dead-letter:entries`;

/** Failure-time index of one pool, or of all pools. */
const indexKey = (prefix: string, pool?: PoolName) =>
  pool === undefined ? `${prefix}:dead-letter:index` : `${prefix}:dead-letter:index:${pool}`;

/** Index member: pool names never contain ':', so the first ':' splits it back. */
function member(pool: PoolName, taskId: string): string {
  return `${pool}:${taskId}`;
}

/**
 * Puts a task on the dead-letter list. A newer failure of the same task replaces the older
 * one, unless `keepExisting` (used by sweeps, which must not overwrite a fuller entry).
 */
export async function addDeadLetter(
  redis: Redis,
  prefix: string,
  entry: DeadLetter,
  options: { keepExisting?: boolean } = {},
): Promise<void> {
  const id = member(entry.pool, entry.taskId);
  const json = JSON.stringify(DeadLetterSchema.parse(entry));
  const multi = redis.multi();
  if (options.keepExisting) multi.hsetnx(entriesKey(prefix), id, json);
  else multi.hset(entriesKey(prefix), id, json);
  await multi
    .zadd(indexKey(prefix), entry.failedAt, id)
    .zadd(indexKey(prefix, entry.pool), entry.failedAt, id)
    .exec();
}

/** One dead letter, or undefined. */
export async function getDeadLetter(
  redis: Redis,
  prefix: string,
  pool: PoolName,
  taskId: string,
): Promise<DeadLetter | undefined> {
  const raw = await redis.hget(entriesKey(prefix), member(pool, taskId));
  return raw === null ? undefined : DeadLetterSchema.parse(JSON.parse(raw));
}

/** Those of the pool's task ids that have no dead letter. */
export async function withoutDeadLetter(
  redis: Redis,
  prefix: string,
  pool: PoolName,
  taskIds: readonly string[],
): Promise<string[]> {
  if (taskIds.length === 0) return [];
  const found = await redis.hmget(
    entriesKey(prefix),
    ...taskIds.map((taskId) => member(pool, taskId)),
  );
  return taskIds.filter((_, i) => found[i] === null);
}

export interface DeadLetterPage {
  /** How many dead letters there are (in the pool, when one is given). */
  total: number;
  /** Newest failure first. */
  items: DeadLetter[];
}

/** A page of dead letters, newest first; `pool` narrows it to one pool. */
export async function listDeadLetters(
  redis: Redis,
  prefix: string,
  page: { offset: number; limit: number; pool?: PoolName },
): Promise<DeadLetterPage> {
  const index = indexKey(prefix, page.pool);
  const [total, ids] = await Promise.all([
    redis.zcard(index),
    redis.zrevrange(index, page.offset, page.offset + page.limit - 1),
  ]);
  const raw = ids.length > 0 ? await redis.hmget(entriesKey(prefix), ...ids) : [];
  const items = raw.flatMap((item) =>
    item === null ? [] : [DeadLetterSchema.parse(JSON.parse(item))],
  );
  return { total, items };
}

async function removeDeadLetter(redis: Redis, prefix: string, pool: PoolName, taskId: string) {
  const id = member(pool, taskId);
  await redis
    .multi()
    .hdel(entriesKey(prefix), id)
    .zrem(indexKey(prefix), id)
    .zrem(indexKey(prefix, pool), id)
    .exec();
}

export type RedriveResult =
  | { status: 'redriven'; taskId: string }
  | { status: 'not-found' }
  /** The task id is in use by a task that is not failed (already re-driven or re-run). */
  | { status: 'conflict'; state: string };

/**
 * Runs a dead-lettered task again under the same task id, with fresh attempts: the failed
 * job is removed, the spec re-added to its pool's queue, and the dead letter removed.
 * Not one transaction: a crash between the add and the removal leaves the dead letter in
 * place, and a second redrive then answers `conflict` instead of running the task twice.
 */
export async function redriveDeadLetter(
  redis: Redis,
  prefix: string,
  queue: Queue,
  pool: PoolName,
  taskId: string,
): Promise<RedriveResult> {
  const entry = await getDeadLetter(redis, prefix, pool, taskId);
  if (!entry) return { status: 'not-found' };
  const existing = await queue.getJob(taskId);
  if (existing) {
    const state = await queue.getJobState(taskId);
    if (state !== 'failed') return { status: 'conflict', state };
    await queue.remove(taskId);
  }
  // The original delay (if any) has passed; everything else is the task as submitted.
  const opts: JobsOptions = { ...(entry.opts as JobsOptions), jobId: taskId, delay: undefined };
  await queue.add(entry.name, entry.data, opts);
  await removeDeadLetter(redis, prefix, pool, taskId);
  return { status: 'redriven', taskId };
}
