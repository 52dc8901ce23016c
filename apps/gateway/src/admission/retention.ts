import type { RetentionPolicy } from '@agentq/queue';

/**
 * How long the gateway keeps its own records of a task (idempotency claims, index entries):
 * as long as the longest-kept finished task, so a record never outlives its reason.
 */
export function longestRetentionSeconds(retention: RetentionPolicy): number {
  return Math.max(retention.completedAgeSeconds, retention.failedAgeSeconds, 60);
}
