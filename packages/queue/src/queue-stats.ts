import type { Queue } from 'bullmq';

/** A pool's task counts as BullMQ stores them. */
export interface PoolCounts {
  waiting: number;
  prioritized: number;
  delayed: number;
  active: number;
  completed: number;
  failed: number;
  waitingChildren: number;
}

/** Reads every count of one queue in one Redis round trip. */
export async function readPoolCounts(queue: Queue): Promise<PoolCounts> {
  const counts = await queue.getJobCounts(
    'waiting',
    'prioritized',
    'delayed',
    'active',
    'completed',
    'failed',
    'waiting-children',
  );
  return {
    waiting: counts.waiting ?? 0,
    prioritized: counts.prioritized ?? 0,
    delayed: counts.delayed ?? 0,
    active: counts.active ?? 0,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    waitingChildren: counts['waiting-children'] ?? 0,
  };
}
