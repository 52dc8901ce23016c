import type { Processor, Queue, Worker } from 'bullmq';
import type { RedisClient } from '@agentq/queue';
import type { Logger } from 'pino';
import { LockLostError } from './hand-back.js';

export interface LockLossGuardOptions {
  /** The connection that renews the locks: when it comes back, the locks are checked. */
  connection: RedisClient;
  queue: Queue;
  /** Stops a task running here with this reason. */
  stopTask: (taskId: string, reason: Error) => void;
  logger: Logger;
}

/**
 * Stops the tasks whose locks this worker lost, so that two runs of a task never overlap for
 * long. A worker cut off from Redis (longer than the failover grace, or past its locks) may
 * find on its return that its tasks were handed to others: it checks every lock as soon as
 * its connection is back, and stops a task whose renewal fails (BullMQ only reports those).
 */
export class LockLossGuard {
  /** The lock token of each task running here. */
  private readonly held = new Map<string, string>();
  private disconnected = false;
  private worker: Worker | undefined;

  constructor(private readonly options: LockLossGuardOptions) {}

  /** The processor, with the lock of each task it runs known here while it runs. */
  wrap(processor: Processor): Processor {
    // Two parameters, as the processor's: BullMQ makes no abort controller of its own.
    return async (job, token) => {
      const taskId = job.id ?? '';
      if (token !== undefined) this.held.set(taskId, token);
      try {
        return (await processor(job, token)) as unknown;
      } finally {
        if (this.held.get(taskId) === token) this.held.delete(taskId);
      }
    };
  }

  /** `worker`: the one running the wrapped processor, whose renewals are heard. */
  start(worker: Worker): void {
    this.worker = worker;
    this.options.connection.on('close', this.onClose);
    this.options.connection.on('ready', this.onReady);
    worker.on('lockRenewalFailed', this.onRenewalFailed);
  }

  close(): void {
    this.options.connection.off('close', this.onClose);
    this.options.connection.off('ready', this.onReady);
    this.worker?.off('lockRenewalFailed', this.onRenewalFailed);
  }

  private readonly onClose = (): void => {
    this.disconnected = true;
  };

  private readonly onReady = (): void => {
    if (!this.disconnected) return;
    this.disconnected = false;
    this.checkLocks().catch((err: unknown) =>
      this.options.logger.warn({ err }, 'could not check the locks after reconnecting'),
    );
  };

  private readonly onRenewalFailed = (taskIds: string[]): void => {
    for (const taskId of taskIds) {
      const token = this.held.get(taskId);
      if (token !== undefined) this.lose(taskId, token, 'its lock could not be renewed');
    }
  };

  private async checkLocks(): Promise<void> {
    const { connection, queue } = this.options;
    const held = [...this.held];
    if (held.length === 0) return;
    const pipeline = connection.pipeline();
    for (const [taskId] of held) pipeline.get(`${queue.toKey(taskId)}:lock`);
    const replies = (await pipeline.exec()) ?? [];
    held.forEach(([taskId, token], i) => {
      const [err, lock] = replies[i] ?? [];
      if (!err && lock !== token) this.lose(taskId, token, 'its lock was gone on reconnecting');
    });
  }

  private lose(taskId: string, token: string, why: string): void {
    // The same task may have been fetched here again since, under a new lock.
    if (this.held.get(taskId) !== token) return;
    this.held.delete(taskId);
    this.options.logger.warn({ taskId, why }, 'lost the lock of a running task; stopping it');
    this.options.stopTask(
      taskId,
      new LockLostError('the worker lost the task to another (its lock was taken over)'),
    );
  }
}
