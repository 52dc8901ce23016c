import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { onCancelRequest } from '@agentq/queue';

/** Anything that can abort a task it is running (a pool worker's BullMQ worker). */
export interface Cancellable {
  /** True when the task was running here and is now being aborted. */
  cancel(taskId: string): boolean;
}

export interface CancelListenerOptions {
  /** A connection of its own: it enters subscriber mode. */
  subscriber: Redis;
  prefix: string;
  targets: readonly Cancellable[];
  logger: Logger;
}

/**
 * Hears the gateway's cancel requests and aborts the task where it runs. A task that is
 * fetched just as the request is published is caught by the marker check in run-task.
 */
export class CancelListener {
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly options: CancelListenerOptions) {}

  async start(): Promise<void> {
    const { subscriber, prefix, targets, logger } = this.options;
    this.unsubscribe = await onCancelRequest(subscriber, prefix, (taskId) => {
      const here = targets.some((target) => target.cancel(taskId));
      if (here) logger.info({ taskId }, 'cancelling task');
    });
  }

  async close(): Promise<void> {
    await this.unsubscribe?.();
  }
}
