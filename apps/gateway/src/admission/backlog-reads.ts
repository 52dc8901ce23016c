import type { Queue } from 'bullmq';
import { Priority, type PoolName, type PriorityLevel } from '@agentq/contracts';

/**
 * How long an answered backlog read may stand in for a new one. Short: it bounds what
 * several gateways can miss of each other's submits (a single gateway misses nothing, see
 * {@link BacklogReads}).
 */
export const BACKLOG_READ_REUSE_MS = 10;

/** One backlog count, and how many tasks this process had enqueued when it was asked for. */
interface BacklogRead {
  waiting: number;
  enqueuedBefore: number;
  answeredAt: number;
}

/**
 * Reads a pool's backlog per priority level for admission without a round trip per submit:
 * - submits that ask while a read is in flight share it;
 * - a read answered less than {@link BACKLOG_READ_REUSE_MS} ago is used at once, and a new
 *   one is sent in the background, so under load a submit does not wait for a read at all.
 *
 * A read may have left before some of this process's tasks were enqueued, so
 * {@link BacklogReads.estimate} adds the tasks this process enqueued since the read was
 * sent (its own reservations are added by the caller). Tasks enqueued just before the read
 * may then be counted twice, and tasks workers took since are still counted: the estimate
 * errs high (a submit refused slightly early), never low, for this process's own tasks.
 * What it can miss are other gateways' submits since the read: a few milliseconds' worth.
 */
export class BacklogReads {
  private readonly inFlight = new Map<string, Promise<BacklogRead>>();
  private readonly latest = new Map<string, BacklogRead>();
  /** Tasks this process enqueued per pool and level; only grows. */
  private readonly enqueued = new Map<string, number>();

  constructor(private readonly queues: ReadonlyMap<PoolName, Queue>) {}

  /** The pool's waiting tasks of the level, as far as this process can tell. */
  async estimate(pool: PoolName, priority: PriorityLevel): Promise<number> {
    const key = slot(pool, priority);
    const recent = this.latest.get(key);
    let read: BacklogRead;
    if (recent && Date.now() - recent.answeredAt <= BACKLOG_READ_REUSE_MS) {
      read = recent;
      // Refresh ahead for the submits to come. A failure here only means no fresh read:
      // the next submit that needs one sends its own and sees the error.
      if (!this.inFlight.has(key)) this.read(key, pool, priority).catch(() => undefined);
    } else {
      read = await (this.inFlight.get(key) ?? this.read(key, pool, priority));
    }
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
      const answer = { waiting: counts[bullPriority] ?? 0, enqueuedBefore, answeredAt: Date.now() };
      this.latest.set(key, answer);
      return answer;
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, read);
    return read;
  }

  private enqueuedCount(key: string): number {
    return this.enqueued.get(key) ?? 0;
  }
}

export const slot = (pool: PoolName, priority: PriorityLevel) => `${pool}/${priority}`;
