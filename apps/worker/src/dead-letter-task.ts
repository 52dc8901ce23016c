import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, decodeTaskError, type PoolName } from '@agentq/contracts';
import { addDeadLetter, clearAttempts, readAttempts } from '@agentq/queue';

/**
 * Puts a task that failed for good on the dead-letter list with its spec and every failed
 * attempt. A cancelled task is not a failure: it is only cleaned up.
 */
export async function deadLetterTask(
  redis: Redis,
  prefix: string,
  pool: PoolName,
  job: Job,
): Promise<'dead-lettered' | 'cancelled'> {
  const taskId = job.id ?? '';
  const failedReason = job.failedReason;
  if (decodeTaskError(failedReason).code !== ErrorCode.Cancelled) {
    await addDeadLetter(redis, prefix, {
      pool,
      taskId,
      name: job.name,
      data: job.data as unknown,
      opts: { ...job.opts },
      failedReason,
      attemptsMade: job.attemptsMade,
      attempts: await readAttempts(redis, prefix, job.queueName, taskId),
      createdAt: job.timestamp,
      failedAt: job.finishedOn ?? Date.now(),
    });
  }
  await clearAttempts(redis, prefix, job.queueName, taskId);
  return decodeTaskError(failedReason).code === ErrorCode.Cancelled ? 'cancelled' : 'dead-lettered';
}
