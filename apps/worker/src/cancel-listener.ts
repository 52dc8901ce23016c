import type { Logger } from 'pino';
import {
  CANCEL_RETENTION_MS,
  isCancelRequested,
  onCancelRequest,
  recentCancels,
  type RedisClient,
} from '@agentq/queue';

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
export function redisCancelCheck(redis: RedisClient, prefix: string): CancelCheck {
  return { isRequested: (taskId) => isCancelRequested(redis, prefix, taskId) };
}

export interface CancelListenerOptions {
  /** A connection of its own: it enters subscriber mode. */
  subscriber: RedisClient;
  /** For the marker check of tasks older than the subscription. */
  redis: RedisClient;
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

/**
 * Hears the gateway's cancel requests and aborts the task where it runs. It also knows every
 * cancel still on record, so the check before a task starts needs no Redis round trip: when
 * it subscribes (and after each reconnect) it loads the recent cancels, so a task can only
 * have been cancelled by one it loaded or heard. Tasks older than what it could keep, and
 * any task while it is not subscribed and loaded, fall back to asking Redis.
 */
export class CancelListener implements CancelCheck {
  private unsubscribe: (() => Promise<void>) | undefined;
  private readonly heard = new Map<string, number>();
  /**
   * Since when (gateway clock, ms) the loaded cancels are all there are; -Infinity: all on
   * record. Undefined while not subscribed or not loaded.
   */
  private loadedFrom: number | undefined;
  /** The latest cancel forgotten to stay within MAX_REMEMBERED (or the retention). */
  private forgottenUpTo = Number.NEGATIVE_INFINITY;
  /** Bumped on every disconnect, so a load that began before it is not trusted after. */
  private connection = 0;
  private loading: Promise<void> = Promise.resolve();
  private readonly onClose = () => {
    this.connection += 1;
    this.loadedFrom = undefined;
  };
  private readonly onReady = () => {
    // ioredis subscribes again on reconnect before it reports ready; what was published
    // while it was away is on record.
    if (this.unsubscribe) this.loading = this.load();
  };

  constructor(private readonly options: CancelListenerOptions) {}

  async start(): Promise<void> {
    const { subscriber, prefix, targets, logger } = this.options;
    subscriber.on('close', this.onClose);
    subscriber.on('ready', this.onReady);
    this.unsubscribe = await onCancelRequest(subscriber, prefix, (taskId) => {
      this.remember(taskId, Date.now());
      const here = targets.some((target) => target.cancel(taskId));
      if (here) logger.info({ taskId }, 'cancelling task');
    });
    this.loading = this.load();
    await this.loading;
  }

  /** Resolves once the latest load of the cancels on record (at start, after a reconnect) ended. */
  loaded(): Promise<void> {
    return this.loading;
  }

  isRequested(taskId: string, createdAt: number): boolean | Promise<boolean> {
    if (this.heard.has(taskId)) return true;
    // A task submitted after every cancel this listener may not know cannot have one.
    if (this.loadedFrom !== undefined) {
      const unknownUpTo = Math.max(this.loadedFrom, this.forgottenUpTo);
      if (createdAt > unknownUpTo + CLOCK_SKEW_MS) return false;
    }
    return isCancelRequested(this.options.redis, this.options.prefix, taskId);
  }

  /** Loads the cancels on record (subscribed first, so none falls between the two). */
  private async load(): Promise<void> {
    const connection = this.connection;
    try {
      const { redis, prefix } = this.options;
      const { cancels, complete } = await recentCancels(redis, prefix, MAX_REMEMBERED);
      if (connection !== this.connection) return;
      for (const { taskId, at } of cancels) this.remember(taskId, at);
      this.loadedFrom = complete ? Number.NEGATIVE_INFINITY : (cancels[0]?.at ?? Date.now());
    } catch (err) {
      // Until a later reconnect loads them, every check asks Redis.
      this.options.logger.warn({ err }, 'could not load recent cancels');
    }
  }

  private remember(taskId: string, at: number): void {
    const now = Date.now();
    this.heard.delete(taskId);
    this.heard.set(taskId, at);
    for (const [oldest, cancelledAt] of this.heard) {
      if (this.heard.size <= MAX_REMEMBERED && now - cancelledAt < CANCEL_RETENTION_MS) break;
      // A forgotten cancel was for a task submitted before it: only tasks submitted later
      // may skip asking Redis.
      this.heard.delete(oldest);
      this.forgottenUpTo = Math.max(this.forgottenUpTo, cancelledAt);
    }
  }

  async close(): Promise<void> {
    const { subscriber } = this.options;
    subscriber.off('close', this.onClose);
    subscriber.off('ready', this.onReady);
    this.connection += 1;
    this.loadedFrom = undefined;
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
