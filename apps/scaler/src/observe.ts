import type { Queue } from 'bullmq';
import { decodeTaskError, type PoolName } from '@agentq/contracts';
import { parseWorkerName, readWorkerNames, slotsTold, type RedisClient } from '@agentq/queue';

/** What one tick reads of one pool's queue: raw counts and samples, not yet smoothed. */
export interface PoolReading {
  /** When it was read (ms since the epoch, this machine's clock). */
  at: number;
  waiting: number;
  prioritized: number;
  /** Delayed tasks (retries included) whose time has come; they run next. */
  delayedDue: number;
  /** Delayed tasks still in the future. */
  delayedLater: number;
  active: number;
  waitingChildren: number;
  /** Tasks that completed / failed for good after `since` (from the finished sets' scores). */
  completedSince: number;
  failedSince: number;
  /**
   * Error codes (`[CODE]` of `failedReason`) of the newest tasks failed after `since`, at most
   * the sample size: what share of the failures the client caused (bad input, a cancel).
   */
  failureCodes: string[];
  /** Since when the head-of-line task of the wait list or the priority set has waited. */
  oldestWaitingSince: number | undefined;
  /** Run times (finishedOn − processedOn) of the most recently completed tasks, in ms. */
  durationsMs: number[];
  /**
   * One entry per live BullMQ worker on the queue: the task slots its name says it gives
   * the pool, undefined when its name tells none (not an agentq worker).
   */
  workerSlots: (number | undefined)[];
}

/** Delayed-set scores are `dueTimestamp * 0x1000 + counter` (bullmq getDelayedScore.lua). */
const DELAYED_SCORE_FACTOR = 0x1000;

function count(result: [Error | null, unknown] | undefined): number {
  return Number(result?.[1] ?? 0);
}

/**
 * Reads one pool with a fixed number of Redis calls, whatever the queue holds: one
 * getJobCounts script, one CLIENT LIST (getWorkers), one pipeline of seven commands and one
 * pipeline of at most `2 + 2 × sampleSize` HMGETs. Never one call per waiting task.
 */
export async function readPool(
  pool: PoolName,
  queue: Queue,
  client: RedisClient,
  now: number,
  since: number,
  sampleSize: number,
): Promise<PoolReading> {
  const key = (type: string) => queue.toKey(type);
  const [counts, workers, first] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'waiting-children'),
    readWorkerNames(queue),
    client
      .pipeline()
      .zcount(key('delayed'), 0, (now + 1) * DELAYED_SCORE_FACTOR - 1)
      .zcount(key('completed'), `(${since}`, '+inf')
      .zcount(key('failed'), `(${since}`, '+inf')
      .lindex(key('wait'), -1)
      .zrange(key('prioritized'), '0', '0')
      .zrevrange(key('completed'), 0, sampleSize - 1)
      .zrevrangebyscore(key('failed'), '+inf', `(${since}`, 'LIMIT', 0, sampleSize)
      .exec(),
  ]);
  if (!first) throw new Error('pipeline aborted');
  const waitHead = first[3]?.[1] as string | null;
  const priorityHead = (first[4]?.[1] as string[] | undefined)?.[0];
  const recent = (first[5]?.[1] as string[] | undefined) ?? [];
  const recentlyFailed = (first[6]?.[1] as string[] | undefined) ?? [];

  const heads = [waitHead, priorityHead].filter((id): id is string => !!id);
  const second = client.pipeline();
  for (const id of heads) second.hmget(queue.toKey(id), 'timestamp', 'delay');
  for (const id of recent) second.hmget(queue.toKey(id), 'processedOn', 'finishedOn');
  for (const id of recentlyFailed) second.hmget(queue.toKey(id), 'failedReason');
  const details: [Error | null, unknown][] = (await second.exec()) ?? [];
  const raw = details.map(([, value]) => (value as (string | null)[] | null) ?? []);
  const numbers = (values: (string | null)[]) =>
    values.map((v) => (v === null || v === undefined ? NaN : Number(v)));
  const fields = raw.slice(0, heads.length + recent.length).map(numbers);
  const failureCodes = raw
    .slice(heads.length + recent.length)
    .flatMap(([reason]) => (typeof reason === 'string' ? [decodeTaskError(reason).code] : []));

  let oldestWaitingSince: number | undefined;
  for (const [timestamp = NaN, delay = 0] of fields.slice(0, heads.length)) {
    const readyAt = timestamp + (Number.isFinite(delay) ? delay : 0);
    if (Number.isFinite(readyAt))
      oldestWaitingSince = Math.min(oldestWaitingSince ?? readyAt, readyAt);
  }
  const durationsMs = fields
    .slice(heads.length)
    .map(([processedOn = NaN, finishedOn = NaN]): number => finishedOn - processedOn)
    .filter((ms) => Number.isFinite(ms) && ms >= 0);

  const delayedDue = count(first[0]);
  return {
    at: now,
    waiting: counts.waiting ?? 0,
    prioritized: counts.prioritized ?? 0,
    delayedDue,
    delayedLater: Math.max(0, (counts.delayed ?? 0) - delayedDue),
    active: counts.active ?? 0,
    waitingChildren: counts['waiting-children'] ?? 0,
    completedSince: count(first[1]),
    failedSince: count(first[2]),
    failureCodes,
    oldestWaitingSince,
    durationsMs,
    workerSlots: workers.map((name) => slotsTold(name, pool)),
  };
}

/**
 * Tasks running per worker (BullMQ's `processedBy`: the worker's name; for agentq's workers
 * the name they were given, AGENTQ_WORKER_NAME, e.g. their pod name), from the active list: one LRANGE and one
 * pipeline of HGETs. A task handed back, rate-limited, retried or finished has left the
 * active list, so only running tasks count. Undefined when some active task has no
 * `processedBy`, or more than `limit` tasks are active: then who is idle is unknown.
 */
export async function readBusyWorkers(
  queue: Queue,
  client: RedisClient,
  limit: number,
): Promise<Map<string, number> | undefined> {
  const active = await client.lrange(queue.toKey('active'), 0, limit);
  if (active.length > limit) return undefined;
  const pipeline = client.pipeline();
  for (const id of active) pipeline.hget(queue.toKey(id), 'pb');
  const names = ((await pipeline.exec()) ?? []).map(([, value]) => value as string | null);
  if (names.some((name) => !name)) return undefined;
  const busy = new Map<string, number>();
  for (const name of names) {
    if (!name) continue;
    // agentq workers' names carry pid, pools and slots after the name they were given.
    const identity = parseWorkerName(name)?.identity ?? name;
    busy.set(identity, (busy.get(identity) ?? 0) + 1);
  }
  return busy;
}
