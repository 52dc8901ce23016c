import { Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { queueName, type PoolName } from '@agentq/contracts';

export interface PoolWorkerOptions {
  pool: PoolName;
  processor: Processor;
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  logger: Logger;
}

/** One BullMQ worker serving one pool's queue. */
export class PoolWorker {
  private worker: Worker | undefined;

  constructor(private readonly options: PoolWorkerOptions) {}

  async start(): Promise<void> {
    const { pool, processor, connection, prefix, concurrency, logger } = this.options;
    const worker = new Worker(queueName(pool), processor, {
      connection,
      prefix,
      concurrency,
      autorun: false,
      lockDuration: this.options.lockDurationMs,
      stalledInterval: this.options.stalledIntervalMs,
      // A task whose worker died is taken over once; a second stall fails it.
      maxStalledCount: 1,
    });
    worker.on('error', (err) => logger.error({ pool, err: err.message }, 'worker error'));
    worker.on('stalled', (taskId) => logger.warn({ pool, taskId }, 'task stalled; taken over'));
    worker.on('completed', (job) => logger.info({ pool, taskId: job.id }, 'task completed'));
    worker.on('failed', (job, err) => {
      if (job && job.finishedOn)
        logger.warn({ pool, taskId: job.id, reason: err.message }, 'task failed');
    });
    this.worker = worker;
    worker.run().catch((err: unknown) => logger.error({ pool, err }, 'worker stopped'));
    await worker.waitUntilReady();
  }

  /** Stops taking tasks and waits for the running ones (up to the caller's deadline). */
  async close(force = false): Promise<void> {
    await this.worker?.close(force);
  }
}
