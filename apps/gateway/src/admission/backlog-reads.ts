import type { Queue } from 'bullmq';
import { Priority, type PoolName, type PriorityLevel } from '@agentq/contracts';

/** One backlog count, and how many tasks this process had enqueued when it was asked for. */
interface BacklogRead {
  waiting: number;
  enqueuedBefore: number;
}

/**
 * Reads a pool's backlog per priority level for admission, sharing one Redis read among
 * every submit that asks while it is in flight (under load, one `getCountsPerPriority`
 * serves many requests instead of one each).
 *
 * A shared read may have left before a submit's own tasks were reserved or before others
 * of this process were enqueued, so {@link BacklogReads.estimate} adds the tasks this
 * process enqueued since the read was sent. Tasks enqueued just before the read may then be
 * counted twice: the estimate errs high (a submit refused slightly early), never low.
 */
export class BacklogReads {
  private readonly inFlight = new Map<string, Promise<BacklogRead>>();
  /** Tasks this process enqueued per pool and level; only grows. */
  private readonly enqueued = new Map<string, number>();

  constructor(private readonly queues: ReadonlyMap<PoolName, Queue>) {}

  /** The pool's waiting tasks of the level, as far as this process can tell. */
  async estimate(pool: PoolName, priority: PriorityLevel): Promise<number> {
    const key = slot(pool, priority);
    const read = await (this.inFlight.get(key) ?? this.read(key, pool, priority));
    return read.waiting + (this.enqueuedCount(key) - read.enqueuedBefore);
  }

  /** Records tasks this process has just enqueued (they are in Redis now). */
  noteEnqueued(pool: PoolName, priority: PriorityLevel, count: number): void {
    const key = slot(pool, priority);
    this.enqueued.set(key, this.enqueuedCount(key) + count);
  }

  private read(key: string, pool: PoolName, priority: PriorityLevel): Promise<BacklogRead> {
    const enqueuedBefore = this.enqueuedCount(key);
    const queue = this.queues.get(pool);
    const bullPriority = Priority[priority];
    const read = (async () => {
      const counts = queue ? await queue.getCountsPerPriority([bullPriority]) : {};
      return { waiting: counts[bullPriority] ?? 0, enqueuedBefore };
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, read);
    return read;
  }

  private enqueuedCount(key: string): number {
    return this.enqueued.get(key) ?? 0;
  }
}

export const slot = (pool: PoolName, priority: PriorityLevel) => `${pool}/${priority}`;
