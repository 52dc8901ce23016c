import type { Job } from 'bullmq';
import { loadLuaScript, type RedisClient } from '@agentq/queue';

/**
 * Counts the stalls not counted yet, once, however many workers fetch the task
 * (`lua/lost-runs-take.lua`): a field of BullMQ's job hash holds how many of its stalls have
 * already been counted as failed attempts.
 */
const TAKE_NEW = loadLuaScript<number>('lost-runs-take');

/**
 * Runs of a task that were lost with their worker (BullMQ moved the task back after its
 * worker died or froze): each is a failed attempt, so `attempts` bounds a task whatever
 * stopped its runs. Costs nothing for a task that never stalled.
 */
export class LostRuns {
  constructor(private readonly redis: RedisClient) {}

  /** How many lost runs of this task are new since the last fetch that counted them. */
  async takeNew(job: Job): Promise<number> {
    if (job.stalledCounter === 0) return 0;
    const key = `${job.queueQualifiedName}:${job.id}`;
    const lost = await TAKE_NEW.run(this.redis, [key], [job.stalledCounter]);
    // As the script did to the stored count, for what reads this job object next.
    if (lost > 0) job.attemptsStarted -= 1;
    return lost;
  }
}
