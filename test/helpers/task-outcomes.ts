import { Queue, QueueEvents } from 'bullmq';
import { queueName } from '@agentq/contracts';
import { createRedis } from '@agentq/queue';

export interface Outcomes {
  completed: number;
  lost: string[];
  ranTwice: number;
}

/**
 * Watches a pool's finished tasks through QueueEvents (Redis, the source of truth — a
 * worker's own logs can miss a completion whose reply was lost in an outage), so a test can
 * await "every acknowledged task finished" and then read each task's state.
 */
export class TaskOutcomes {
  private readonly connection;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly finished = new Set<string>();
  private waiter: { ids: Set<string>; resolve: () => void } | undefined;

  constructor(redisUrl: string, prefix: string, pool = 'default') {
    this.connection = createRedis(redisUrl, 'worker', 'test-outcomes');
    this.queue = new Queue(queueName(pool), { connection: this.connection, prefix });
    this.events = new QueueEvents(queueName(pool), {
      connection: createRedis(redisUrl, 'worker', 'test-events'),
      prefix,
    });
    const onFinished = ({ jobId }: { jobId: string }) => {
      this.finished.add(jobId);
      this.check();
    };
    this.events.on('completed', onFinished);
    this.events.on('failed', onFinished);
  }

  async start(): Promise<void> {
    await this.events.waitUntilReady();
  }

  /** Resolves once every one of the ids has finished (completed or failed). */
  async waitForAll(ids: Iterable<string>): Promise<void> {
    const pending = new Set(ids);
    // Some may have finished before we listened: read their states once.
    const states = await Promise.all(
      [...pending].map(async (id) => [id, await this.queue.getJobState(id)] as const),
    );
    for (const [id, state] of states)
      if (state === 'completed' || state === 'failed') this.finished.add(id);
    await new Promise<void>((resolve) => {
      this.waiter = { ids: pending, resolve };
      this.check();
    });
  }

  /** Reads each task's final record: completed or not, and how many times it started. */
  async outcomes(ids: Iterable<string>): Promise<Outcomes> {
    const result: Outcomes = { completed: 0, lost: [], ranTwice: 0 };
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      if (job && (await job.getState()) === 'completed') result.completed++;
      else result.lost.push(id);
      if ((job?.attemptsStarted ?? 0) > 1) result.ranTwice++;
    }
    return result;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await this.connection.quit();
  }

  private check(): void {
    if (!this.waiter) return;
    for (const id of this.waiter.ids) if (!this.finished.has(id)) return;
    this.waiter.resolve();
    this.waiter = undefined;
  }
}
