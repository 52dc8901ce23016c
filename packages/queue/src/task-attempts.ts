import type { RedisClient } from './connection.js';
import { z } from 'zod';

/**
 * Every failed attempt of a task, recorded as it happens so the task's page and its dead
 * letter can show each one (BullMQ keeps only the last `failedReason` and bare stack traces).
 * A Redis list per task that failed at least once: moved into the dead letter when the task
 * fails for good, kept as long as the completed task when it succeeds, and expiring on its
 * own otherwise (a task whose retries were cut short by retention).
 */
export const AttemptRecordSchema = z.object({
  /** 1 for the first run. */
  attempt: z.number().int().min(1),
  /** An agentq error code (`TRANSIENT`, `TIMEOUT`, `STALLED` ...). */
  code: z.string(),
  message: z.string(),
  /** When the attempt failed (ms since the epoch). */
  at: z.number(),
  /** When it started, when known. */
  startedAt: z.number().optional(),
  /** The worker (BullMQ name) it ran on, when known. */
  worker: z.string().optional(),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** Matches the longest failed-task retention (a week). */
const ATTEMPTS_TTL_MS = 7 * 24 * 3600 * 1000;

export function attemptsKey(prefix: string, queueName: string, taskId: string): string {
  return `${prefix}:attempts:${queueName}:${taskId}`;
}

/** Appends one failed attempt to the task's record. */
export async function recordAttempt(
  redis: RedisClient,
  prefix: string,
  queueName: string,
  taskId: string,
  record: AttemptRecord,
): Promise<void> {
  const key = attemptsKey(prefix, queueName, taskId);
  await redis.multi().rpush(key, JSON.stringify(record)).pexpire(key, ATTEMPTS_TTL_MS).exec();
}

/** The task's failed attempts, oldest first. */
export async function readAttempts(
  redis: RedisClient,
  prefix: string,
  queueName: string,
  taskId: string,
): Promise<AttemptRecord[]> {
  const raw = await redis.lrange(attemptsKey(prefix, queueName, taskId), 0, -1);
  return raw.map((item) => AttemptRecordSchema.parse(JSON.parse(item)));
}

/** Forgets the task's attempts: its dead letter holds them now. */
export async function clearAttempts(
  redis: RedisClient,
  prefix: string,
  queueName: string,
  taskId: string,
): Promise<void> {
  await redis.unlink(attemptsKey(prefix, queueName, taskId));
}

/** Keeps a task's attempts as long as the task itself (it succeeded, kept `seconds`). */
export async function keepAttemptsFor(
  redis: RedisClient,
  prefix: string,
  queueName: string,
  taskId: string,
  seconds: number,
): Promise<void> {
  await redis.expire(attemptsKey(prefix, queueName, taskId), Math.max(1, Math.ceil(seconds)));
}
