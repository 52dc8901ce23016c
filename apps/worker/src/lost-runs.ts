import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * A field of BullMQ's job hash: how many of the task's stalls (BullMQ's `stalledCounter`)
 * have already been counted as failed attempts.
 */
const COUNTED_FIELD = 'agentqLostCounted';

// Counts the stalls not counted yet, once, however many workers fetch the task.
const TAKE_NEW = `
local counted = tonumber(redis.call('HGET', KEYS[1], '${COUNTED_FIELD}') or '0')
local stalls = tonumber(ARGV[1])
if stalls <= counted then return 0 end
redis.call('HSET', KEYS[1], '${COUNTED_FIELD}', stalls)
-- This fetch only counts the loss: it is not a start of the agent ('ats', attemptsStarted).
redis.call('HINCRBY', KEYS[1], 'ats', -1)
return stalls - counted
`;

/**
 * Runs of a task that were lost with their worker (BullMQ moved the task back after its
 * worker died or froze): each is a failed attempt, so `attempts` bounds a task whatever
 * stopped its runs. Costs nothing for a task that never stalled.
 */
export class LostRuns {
  constructor(private readonly redis: Redis) {}

  /** How many lost runs of this task are new since the last fetch that counted them. */
  async takeNew(job: Job): Promise<number> {
    if (job.stalledCounter === 0) return 0;
    const key = `${job.queueQualifiedName}:${job.id}`;
    const lost = Number(await this.redis.eval(TAKE_NEW, 1, key, job.stalledCounter));
    // As the script did to the stored count, for what reads this job object next.
    if (lost > 0) job.attemptsStarted -= 1;
    return lost;
  }
}
