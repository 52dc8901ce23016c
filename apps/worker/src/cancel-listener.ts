import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isCancelRequested, onCancelRequest } from '@agentq/queue';

/** Anything that can abort a task it is running (a pool worker's BullMQ worker). */
export interface Cancellable {
  /** True when the task was running here and is now being aborted. */
  cancel(taskId: string): boolean;
}

/** Answers, before an agent starts, whether its task was cancelled meanwhile. */
export interface CancelCheck {
  /**
   * `createdAt`: when the task was submitted (ms, the job's timestamp). Answers at once
   * (no promise) when it can, which saves a turn of the event loop per task.
   */
  isRequested(taskId: string, createdAt: number): boolean | Promise<boolean>;
}

/** Asks Redis every time: for processors that run without a listener. */
export function redisCancelCheck(redis: Redis, prefix: string): CancelCheck {
  return { isRequested: (taskId) => isCancelRequested(redis, prefix, taskId) };
}

export interface CancelListenerOptions {
  /** A connection of its own: it enters subscriber mode. */
  subscriber: Redis;
  /** For the marker check of tasks older than the subscription. */
  redis: Redis;
  prefix: string;
  targets: readonly Cancellable[];
  logger: Logger;
}

/**
 * Task timestamps come from the gateway's clock, coverage from this worker's: a task counts
 * as submitted after the subscription only with this much to spare (hosts keep their
 * clocks within it with NTP).
 */
const CLOCK_SKEW_MS = 10_000;
/** Cancels remembered; older ones are forgotten (and coverage moves past them). */
const MAX_REMEMBERED = 100_000;
/** As long as the gateway keeps its marker key. */
const REMEMBER_MS = 86_400_000;

/**
 * Hears the gateway's cancel requests and aborts the task where it runs. It also remembers
 * the ids it heard, so the check before a task starts needs no Redis round trip: a task
 * submitted while the subscription was up can only have been cancelled by a message this
 * listener heard. Older tasks, and any task while the subscription is down, fall back to
 * the marker key in Redis.
 */
export class CancelListener implements CancelCheck {
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly heard = new Map<string, number>();
  /** Since when every published cancel reached this listener; undefined while not subscribed. */
  private coveredSince: number | undefined;
  private readonly onClose = () => (this.coveredSince = undefined);
  private readonly onReady = () => {
    // ioredis subscribes again on reconnect before it reports ready.
    if (this.unsubscribe) this.coveredSince = Date.now();
  };

  constructor(private readonly options: CancelListenerOptions) {}

  async start(): Promise<void> {
    const { subscriber, prefix, targets, logger } = this.options;
    subscriber.on('close', this.onClose);
    subscriber.on('ready', this.onReady);
    this.unsubscribe = await onCancelRequest(subscriber, prefix, (taskId) => {
      this.remember(taskId);
      const here = targets.some((target) => target.cancel(taskId));
      if (here) logger.info({ taskId }, 'cancelling task');
    });
    this.coveredSince = Date.now();
  }

  isRequested(taskId: string, createdAt: number): boolean | Promise<boolean> {
    if (this.heard.has(taskId)) return true;
    const covered = this.coveredSince;
    if (covered !== undefined && createdAt > covered + CLOCK_SKEW_MS) return false;
    return isCancelRequested(this.options.redis, this.options.prefix, taskId);
  }

  private remember(taskId: string): void {
    const now = Date.now();
    this.heard.delete(taskId);
    this.heard.set(taskId, now);
    for (const [oldest, heardAt] of this.heard) {
      if (this.heard.size <= MAX_REMEMBERED && now - heardAt < REMEMBER_MS) break;
      // A forgotten cancel was for a task submitted before it was heard: only tasks
      // submitted later may skip the marker check.
      this.heard.delete(oldest);
      if (this.coveredSince !== undefined) {
        this.coveredSince = Math.max(this.coveredSince, heardAt);
      }
    }
  }

  async close(): Promise<void> {
    const { subscriber } = this.options;
    subscriber.off('close', this.onClose);
    subscriber.off('ready', this.onReady);
    this.coveredSince = undefined;
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
