import type { JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from './connection.js';
import { z } from 'zod';
import { PoolNameSchema, type PoolName } from '@agentq/contracts';
import { AttemptRecordSchema } from './task-attempts.js';
import { loadLuaScript } from './scripts/lua-script.js';

/**
 * The dead-letter list: tasks that failed for good (last attempt used, or a failure that
 * is never retried), kept with everything needed to run them again.
 *
 * Storage: a hash (entry per task, JSON) plus sorted-set indexes by failure time (one for
 * all pools, one per pool, and the same two per tenant, so a tenant's page is read directly
 * rather than filtered out of everyone's), under the app's key prefix. Chosen over a second BullMQ queue
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
  /** Times the task started, runs lost with their worker included (older entries: absent). */
  runs: z.number().int().min(0).optional(),
  /** Every failed attempt, oldest first. */
  attempts: z.array(AttemptRecordSchema),
  createdAt: z.number(),
  failedAt: z.number(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

const entriesKey = (prefix: string) => `${prefix}:dead-letter:entries`;

/** Which dead letters an index holds: all, one pool's, one tenant's, or a tenant's in a pool. */
export interface DeadLetterScope {
  pool?: PoolName;
  tenant?: string;
}

/**
 * Failure-time index of a scope. Pool names never contain ':', so a pool before the tenant
 * keeps the keys of different scopes apart whatever the tenant id holds.
 */
function indexKey(prefix: string, { pool, tenant }: DeadLetterScope = {}): string {
  const base = `${prefix}:dead-letter`;
  if (tenant === undefined) return pool === undefined ? `${base}:index` : `${base}:index:${pool}`;
  return pool === undefined
    ? `${base}:tenant-index:${tenant}`
    : `${base}:tenant-pool-index:${pool}:${tenant}`;
}

/** Every index an entry belongs to. */
function indexKeysOf(prefix: string, entry: DeadLetter): string[] {
  const tenant = deadLetterTenant(entry);
  const keys = [indexKey(prefix), indexKey(prefix, { pool: entry.pool })];
  if (tenant !== undefined) {
    keys.push(indexKey(prefix, { tenant }), indexKey(prefix, { tenant, pool: entry.pool }));
  }
  return keys;
}

const TenantOfData = z.object({ tenant: z.string().min(1) });

/** The tenant a dead letter belongs to (from its job data), if it names one. */
export function deadLetterTenant(entry: DeadLetter): string | undefined {
  const parsed = TenantOfData.safeParse(entry.data);
  return parsed.success ? parsed.data.tenant : undefined;
}

/**
 * A dead letter's id across pools (`<pool>:<task id>`), as the index stores it: pool names
 * never contain ':', so the first ':' splits it back.
 */
export function deadLetterId(pool: PoolName, taskId: string): string {
  return `${pool}:${taskId}`;
}

/** The pool and task of a {@link deadLetterId}; undefined for a string that is none. */
export function parseDeadLetterId(id: string): { pool: string; taskId: string } | undefined {
  const colon = id.indexOf(':');
  if (colon < 0) return undefined;
  return { pool: id.slice(0, colon), taskId: id.slice(colon + 1) };
}

/**
 * Puts a task on the dead-letter list. A newer failure of the same task replaces the older
 * one, unless `keepExisting` (used by sweeps, which must not overwrite a fuller entry).
 */
export async function addDeadLetter(
  redis: RedisClient,
  prefix: string,
  entry: DeadLetter,
  options: { keepExisting?: boolean } = {},
): Promise<void> {
  const id = deadLetterId(entry.pool, entry.taskId);
  const json = JSON.stringify(DeadLetterSchema.parse(entry));
  const multi = redis.multi();
  if (options.keepExisting) multi.hsetnx(entriesKey(prefix), id, json);
  else multi.hset(entriesKey(prefix), id, json);
  for (const key of indexKeysOf(prefix, entry)) multi.zadd(key, entry.failedAt, id);
  await multi.exec();
}

/** One dead letter, or undefined. */
export async function getDeadLetter(
  redis: RedisClient,
  prefix: string,
  pool: PoolName,
  taskId: string,
): Promise<DeadLetter | undefined> {
  const raw = await redis.hget(entriesKey(prefix), deadLetterId(pool, taskId));
  return raw === null ? undefined : DeadLetterSchema.parse(JSON.parse(raw));
}

/** Those of the pool's task ids that have no dead letter. */
export async function withoutDeadLetter(
  redis: RedisClient,
  prefix: string,
  pool: PoolName,
  taskIds: readonly string[],
): Promise<string[]> {
  if (taskIds.length === 0) return [];
  const found = await redis.hmget(
    entriesKey(prefix),
    ...taskIds.map((taskId) => deadLetterId(pool, taskId)),
  );
  return taskIds.filter((_, i) => found[i] === null);
}

/** The dead letters of these task ids, looked for in each of the pools given. */
export async function findDeadLetters(
  redis: RedisClient,
  prefix: string,
  pools: readonly PoolName[],
  taskIds: readonly string[],
): Promise<DeadLetter[]> {
  const ids = pools.flatMap((pool) => taskIds.map((taskId) => deadLetterId(pool, taskId)));
  if (ids.length === 0) return [];
  return parseEntries(await redis.hmget(entriesKey(prefix), ...ids));
}

export interface DeadLetterPage {
  /** How many dead letters there are in the scope. */
  total: number;
  /** Newest failure first (oldest first with `oldestFirst`). */
  items: DeadLetter[];
}

/** A page of dead letters, newest first; `pool` and `tenant` narrow it. */
export async function listDeadLetters(
  redis: RedisClient,
  prefix: string,
  page: { offset: number; limit: number; oldestFirst?: boolean } & DeadLetterScope,
): Promise<DeadLetterPage> {
  const index = indexKey(prefix, page);
  const stop = page.offset + page.limit - 1;
  const [total, ids] = await Promise.all([
    countDeadLetters(redis, prefix, page),
    page.oldestFirst
      ? redis.zrange(index, String(page.offset), String(stop))
      : redis.zrevrange(index, page.offset, stop),
  ]);
  const raw = ids.length > 0 ? await redis.hmget(entriesKey(prefix), ...ids) : [];
  return { total, items: parseEntries(raw) };
}

function parseEntries(raw: readonly (string | null)[]): DeadLetter[] {
  return raw.flatMap((item) => (item === null ? [] : [DeadLetterSchema.parse(JSON.parse(item))]));
}

async function removeDeadLetter(redis: RedisClient, prefix: string, entry: DeadLetter) {
  const id = deadLetterId(entry.pool, entry.taskId);
  const multi = redis.multi().hdel(entriesKey(prefix), id);
  for (const key of indexKeysOf(prefix, entry)) multi.zrem(key, id);
  await multi.exec();
}

/** Removes a dead letter unless it changed since it was read (`lua/dead-letter-remove.lua`). */
const REMOVE_IF_UNCHANGED = loadLuaScript<number>('dead-letter-remove');

/**
 * Removes a task's dead letter once the task was re-queued by other means (a retry of its
 * failed job), unless it records a failure later than `failedAt` (the failure that was
 * retried): the task failed for good again since, and that dead letter stays. Read, then
 * removed only if unchanged (one script), so a newer entry written in between is never
 * lost. Answers whether one was removed.
 */
export async function removeDeadLetterUpTo(
  redis: RedisClient,
  prefix: string,
  pool: PoolName,
  taskId: string,
  failedAt: number,
): Promise<boolean> {
  const id = deadLetterId(pool, taskId);
  const raw = await redis.hget(entriesKey(prefix), id);
  if (raw === null) return false;
  const entry = DeadLetterSchema.parse(JSON.parse(raw));
  if (entry.failedAt > failedAt) return false;
  const keys = [entriesKey(prefix), ...indexKeysOf(prefix, entry)];
  return (await REMOVE_IF_UNCHANGED.run(redis, keys, [id, raw])) === 1;
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
  redis: RedisClient,
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
  await removeDeadLetter(redis, prefix, entry);
  return { status: 'redriven', taskId };
}

/** How many dead letters a scope holds. */
export function countDeadLetters(
  redis: RedisClient,
  prefix: string,
  scope: DeadLetterScope = {},
): Promise<number> {
  return redis.zcard(indexKey(prefix, scope));
}
