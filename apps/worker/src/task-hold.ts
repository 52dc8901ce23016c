import type { Job } from 'bullmq';
import type { RedisClient } from '@agentq/queue';

/** A field of BullMQ's job hash (BullMQ ignores fields it does not know; they go with the job). */
const HELD_SINCE_FIELD = 'agentqHeldSince';

/** What to do with an attempt that a rate limit or an open circuit holds back. */
export type HoldDecision =
  { action: 'delay'; untilMs: number } | { action: 'give-up'; heldMs: number; limitMs: number };

/**
 * Spreads the tasks one pause released over a little time, so they do not all call at
 * the same millisecond: up to a quarter of the wait, at least 100 ms, at most 5 s.
 */
export function withJitter(waitMs: number, random = Math.random): number {
  const spread = Math.min(5000, Math.max(100, waitMs / 4));
  return waitMs + Math.round(random() * spread);
}

/**
 * Holds bound an attempt as much as its run does: an attempt may wait for a provider (its
 * 429s, the shared budget, an open circuit) up to `limitMs` in all, counted from its first
 * hold; past that it is given up (a failed attempt, retried with backoff while attempts
 * remain). Without the bound, a provider that always refuses keeps a task delayed for ever.
 */
export class TaskHolds {
  constructor(private readonly redis: RedisClient) {}

  private key(job: Job): string {
    return `${job.queueQualifiedName}:${job.id}`;
  }

  async decide(job: Job, waitMs: number, limitMs: number): Promise<HoldDecision> {
    const now = Date.now();
    const replies = await this.redis
      .multi()
      .hsetnx(this.key(job), HELD_SINCE_FIELD, now)
      .hget(this.key(job), HELD_SINCE_FIELD)
      .exec();
    const since = Number(replies?.[1]?.[1] ?? now);
    const heldMs = now - since;
    if (heldMs + waitMs > limitMs) return { action: 'give-up', heldMs, limitMs };
    return { action: 'delay', untilMs: now + withJitter(waitMs) };
  }

  /** The next attempt starts with a whole hold allowance of its own. */
  async reset(job: Job): Promise<void> {
    await this.redis.hdel(this.key(job), HELD_SINCE_FIELD);
  }
}
