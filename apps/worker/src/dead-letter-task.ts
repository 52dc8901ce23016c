import type { Job, Queue } from 'bullmq';
import { ErrorCode, decodeTaskError, type PoolName } from '@agentq/contracts';
import {
  addDeadLetter,
  clearAttempts,
  readAttempts,
  withoutDeadLetter,
  type RedisClient,
} from '@agentq/queue';

/**
 * Puts a task that failed for good on the dead-letter list with its spec and every failed
 * attempt. A cancelled task is not a failure: it is only cleaned up.
 */
export async function deadLetterTask(
  redis: RedisClient,
  prefix: string,
  pool: PoolName,
  job: Job,
  options: { keepExisting?: boolean } = {},
): Promise<'dead-lettered' | 'cancelled'> {
  const taskId = job.id ?? '';
  const failedReason = job.failedReason;
  if (decodeTaskError(failedReason).code !== ErrorCode.Cancelled) {
    await addDeadLetter(
      redis,
      prefix,
      {
        pool,
        taskId,
        name: job.name,
        data: job.data as unknown,
        opts: { ...job.opts },
        failedReason,
        attemptsMade: job.attemptsMade,
        runs: job.attemptsStarted,
        attempts: await readAttempts(redis, prefix, job.queueName, taskId),
        createdAt: job.timestamp,
        failedAt: job.finishedOn ?? Date.now(),
      },
      options,
    );
  }
  await clearAttempts(redis, prefix, job.queueName, taskId);
  return decodeTaskError(failedReason).code === ErrorCode.Cancelled ? 'cancelled' : 'dead-lettered';
}

/** How many of the newest failed tasks a sweep looks at. */
const SWEEP_LIMIT = 1000;

/**
 * Dead-letters the newest failed tasks of the pool that have no dead letter: a worker killed
 * between failing a task and writing its dead letter leaves one behind. Cheap when there is
 * none (one range read, one hash read). Returns the ids it added.
 */
export async function sweepFailedTasks(
  queue: Queue,
  redis: RedisClient,
  prefix: string,
  pool: PoolName,
): Promise<string[]> {
  const failed = await queue.getRanges(['failed'], 0, SWEEP_LIMIT - 1, false);
  const added: string[] = [];
  for (const taskId of await withoutDeadLetter(redis, prefix, pool, failed)) {
    const job = await queue.getJob(taskId);
    if (!job?.finishedOn) continue;
    const outcome = await deadLetterTask(redis, prefix, pool, job, { keepExisting: true });
    if (outcome === 'dead-lettered') added.push(taskId);
  }
  return added;
}
