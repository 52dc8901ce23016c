import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import {
  MAX_RECONNECT_DELAY_MS,
  connectedWorkerNames,
  readClientList,
  findOrphanedTasks,
  releaseOrphanedTasks,
  type OrphanedTask,
  type RedisClient,
} from '@agentq/queue';

export interface FailoverSettings {
  /** How often Redis's client list is read; 0: never (lock expiry alone). */
  pollMs: number;
  /** How long a worker stays disconnected, seen at two looks, before its tasks are released. */
  graceMs: number;
}

export interface DeadWorkerWatchOptions {
  /** Reads the client list and runs the scripts; its own outages pause the watch. */
  connection: RedisClient;
  queue: Queue;
  /** The pool's key prefix: BullMQ names its workers' connections under it. */
  prefix: string;
  /** This process's worker name: its tasks are never released here. */
  workerName: string;
  settings: FailoverSettings;
  /** Runs BullMQ's stalled-job check now: it moves the released tasks back to wait. */
  checkStalled: () => Promise<void>;
  logger: Logger;
}

/**
 * Hands a dead worker's tasks to the living within about a second instead of after its locks
 * expire. A process that dies closes its connections at once; one that is frozen or slow
 * keeps them. So a task is released when its worker (`processedBy`) has no connection at two
 * looks at least the grace apart, and its lock is still the one it had at the first look:
 * same token, not renewed. The release makes it stalled for BullMQ, whose check (run at once)
 * moves it back with every rule about stalls. A partition that keeps the connections open,
 * or a hang, still waits for the lock to expire.
 *
 * Cheap when nothing dies: one `CLIENT LIST` per look; the active list is read only when a
 * worker seen at the last look is gone (or at the first look).
 */
export class DeadWorkerWatch {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The workers connected at the last look; undefined before the first. */
  private connected: Set<string> | undefined;
  /** Tasks of disconnected workers by id, with when they were first found so. */
  private readonly suspects = new Map<string, OrphanedTask & { since: number }>();
  /**
   * No look before then. After this process's own connection dropped (Redis restarted, say),
   * the other workers get the longest reconnect delay to come back before anyone is missed.
   */
  private resumeAt = 0;
  /** Bumped when the connection closes: what a look read before is stale. */
  private epoch = 0;

  constructor(private readonly options: DeadWorkerWatchOptions) {}

  start(): void {
    if (this.options.settings.pollMs === 0) return;
    this.options.connection.on('close', this.onClose);
    this.options.connection.on('ready', this.onReady);
    this.schedule();
  }

  /**
   * Stops looking. A look under way is not waited for (it may wait on Redis for as long as
   * Redis is away, and a drain must not): it stops at its next step.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.options.connection.off('close', this.onClose);
    this.options.connection.off('ready', this.onReady);
  }

  private readonly onClose = (): void => {
    this.epoch++;
    this.connected = undefined;
    this.suspects.clear();
    this.resumeAt = Number.POSITIVE_INFINITY;
  };

  private readonly onReady = (): void => {
    if (this.resumeAt === Number.POSITIVE_INFINITY) {
      this.resumeAt = Date.now() + MAX_RECONNECT_DELAY_MS;
    }
  };

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.look()
        .catch((err: unknown) => {
          // Closing drops a look that waited on Redis: not a failure.
          if (!this.closed) this.options.logger.warn({ err }, 'dead-worker watch failed');
        })
        .finally(() => this.schedule());
    }, this.options.settings.pollMs);
    this.timer.unref();
  }

  private async look(): Promise<void> {
    if (Date.now() < this.resumeAt) return;
    const { connection, queue, prefix, workerName, settings } = this.options;
    const epoch = this.epoch;
    const clientList = await readClientList(connection);
    const now = Date.now();
    if (epoch !== this.epoch || this.closed) return;
    const connected = connectedWorkerNames(clientList, prefix).add(workerName);
    const previous = this.connected;
    this.connected = connected;
    for (const [taskId, suspect] of this.suspects) {
      if (connected.has(suspect.owner)) this.suspects.delete(taskId);
    }
    const vanished = previous === undefined || [...previous].some((name) => !connected.has(name));
    if (vanished) {
      const found = await findOrphanedTasks(connection, queue, connected);
      if (epoch !== this.epoch) return;
      for (const task of found) {
        const known = this.suspects.get(task.taskId);
        if (known?.token !== task.token) this.suspects.set(task.taskId, { ...task, since: now });
      }
    }
    const due = [...this.suspects.values()].filter(({ since }) => now - since >= settings.graceMs);
    if (due.length === 0 || epoch !== this.epoch || this.closed) return;
    for (const { taskId } of due) this.suspects.delete(taskId);
    const released = await releaseOrphanedTasks(connection, queue, due);
    if (released.length === 0) return;
    const workers = [...new Set(due.map(({ owner }) => owner))];
    this.options.logger.warn(
      { taskIds: released, workers },
      'released the tasks of a worker that disconnected',
    );
    await this.options.checkStalled();
  }
}
