import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, QueueEvents } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis, poolKeyPrefix, type RedisTarget } from '@agentq/queue';

export interface Outcomes {
  completed: number;
  lost: string[];
  ranTwice: number;
  /** Tasks whose completion was recorded more than once (must stay empty). */
  completedTwice: string[];
}

/** States read at once per round trip batch when checking many tasks. */
const READ_BATCH = 200;
/**
 * Events can be missed (the events stream is trimmed, a listener reconnects after an
 * outage), so states of tasks still pending are read again this often.
 */
const RECHECK_MS = 2000;

/**
 * Watches a pool's finished tasks through QueueEvents (Redis, the source of truth — a
 * worker's own logs can miss a completion whose reply was lost in an outage), so a test can
 * await "every acknowledged task finished" and then read each task's state.
 */
export class TaskOutcomes {
  private readonly connection;
  /** QueueEvents does not close a connection it was given: close() quits it. */
  private readonly eventsConnection;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly finished = new Set<string>();
  /** `completed` events heard per task: a result recorded twice would show as 2. */
  private readonly completions = new Map<string, number>();
  /** Tasks a `waitForAll` still waits for, and how to wake it. */
  private waiter: { remaining: Set<string>; resolve: () => void } | undefined;

  /** `redis`: a URL, or a Sentinel set's target. */
  constructor(redis: RedisTarget | string, prefix: string, pool = 'default') {
    this.connection = createRedis(redis, 'worker', 'test-outcomes');
    const keyPrefix = poolKeyPrefix(prefix, pool);
    this.queue = new Queue(queueName(pool), { connection: this.connection, prefix: keyPrefix });
    this.eventsConnection = createRedis(redis, 'worker', 'test-events');
    this.events = new QueueEvents(queueName(pool), {
      connection: this.eventsConnection,
      prefix: keyPrefix,
    });
    this.events.on('completed', ({ jobId }) => {
      this.completions.set(jobId, (this.completions.get(jobId) ?? 0) + 1);
      this.markFinished(jobId);
    });
    this.events.on('failed', ({ jobId }) => this.markFinished(jobId));
    // Both reconnect by themselves (a Redis restart, a failover); unheard, BullMQ prints them.
    this.events.on('error', () => undefined);
    this.queue.on('error', () => undefined);
  }

  async start(): Promise<void> {
    await this.events.waitUntilReady();
  }

  /** Resolves once every one of the ids has finished (completed or failed) or vanished. */
  async waitForAll(ids: Iterable<string>): Promise<void> {
    const remaining = new Set([...ids].filter((id) => !this.finished.has(id)));
    if (remaining.size === 0) return;
    let settled = false;
    const done = new Promise<void>((resolve) => {
      this.waiter = { remaining, resolve };
    }).then(() => (settled = true));
    while (!settled) {
      const tick = new AbortController();
      const recheck = sleep(RECHECK_MS, undefined, { signal: tick.signal }).then(
        () => this.recheck(remaining),
        () => undefined,
      );
      await Promise.race([done, recheck]);
      tick.abort();
      await recheck; // never leave a read running into close()
    }
  }

  /** Reads each task's final record: completed or not, and how many times it started. */
  async outcomes(ids: Iterable<string>): Promise<Outcomes> {
    const result: Outcomes = { completed: 0, lost: [], ranTwice: 0, completedTwice: [] };
    const all = [...ids];
    for (let i = 0; i < all.length; i += READ_BATCH) {
      const batch = all.slice(i, i + READ_BATCH);
      const jobs = await Promise.all(
        batch.map(async (id) => {
          const job = await this.queue.getJob(id);
          return { id, job, state: job ? await job.getState() : undefined };
        }),
      );
      for (const { id, job, state } of jobs) {
        if (state === 'completed' && job?.returnvalue !== undefined) result.completed++;
        else result.lost.push(id);
        if ((job?.attemptsStarted ?? 0) > 1) result.ranTwice++;
        if ((this.completions.get(id) ?? 0) > 1) result.completedTwice.push(id);
      }
    }
    return result;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await Promise.all([this.connection.quit(), this.eventsConnection.quit()]);
  }

  private markFinished(jobId: string): void {
    this.finished.add(jobId);
    const waiter = this.waiter;
    if (!waiter?.remaining.delete(jobId) || waiter.remaining.size > 0) return;
    this.waiter = undefined;
    waiter.resolve();
  }

  /** Reads the states of the tasks not yet seen finishing. */
  private async recheck(ids: Set<string>): Promise<void> {
    const unknown = [...ids];
    for (let i = 0; i < unknown.length; i += READ_BATCH) {
      const states = await Promise.all(
        unknown
          .slice(i, i + READ_BATCH)
          .map(async (id) => [id, await this.queue.getJobState(id)] as const),
      );
      // A task whose record is gone will never finish: outcomes() reports it lost.
      for (const [id, state] of states) {
        if (state === 'completed' || state === 'failed' || state === 'unknown') {
          this.markFinished(id);
        }
      }
    }
  }
}
