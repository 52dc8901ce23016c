import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { queueName, type PoolName } from '@agentq/contracts';
import { closeRedis, createRedis } from '@agentq/queue';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG, LOGGER, REDIS, TASK_QUEUES } from '../tokens.js';
import { KeyedListeners } from './keyed-listeners.js';

/** A change to one task, as BullMQ's event stream reports it. */
export type TaskChange =
  | { type: 'active' | 'waiting' | 'delayed' }
  | { type: 'progress'; progress: unknown }
  | { type: 'completed' | 'failed' | 'removed' }
  /** The gateway is shutting down: answer now and let go. */
  | { type: 'closing' };

export type TaskChangeListener = (change: TaskChange) => void;

/** Changes after which a task never changes again (a failed retry is reported as waiting/delayed). */
export function isFinalChange(change: TaskChange): boolean {
  return change.type === 'completed' || change.type === 'failed' || change.type === 'removed';
}

/**
 * How long the event readers keep running after the last listener left, so that a steady
 * trickle of waiters does not open and close connections all the time.
 */
const IDLE_STOP_MS = 30_000;

/** One pool's reader of BullMQ's event stream, on a blocking connection of its own. */
interface Reader {
  events: QueueEvents;
  connection: Redis;
}

/**
 * The gateway's one subscription to task events: a BullMQ QueueEvents per pool, fanned out
 * in-process to listeners keyed by task id. Waiters and event streams register here instead
 * of polling Redis.
 *
 * The readers run only while someone listens (and {@link IDLE_STOP_MS} after): reading every
 * event of every task costs a busy gateway a tenth of its CPU when nobody waits. A reader
 * starts right after the newest event in its stream at the moment of the first subscribe,
 * so nothing a listener could miss happens between subscribing and the reader's first read.
 */
@Injectable()
export class TaskEvents implements OnModuleDestroy {
  private readonly listeners = new KeyedListeners<TaskChange>({ type: 'closing' });
  private listening = 0;
  private readers: Promise<Reader[]> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
  ) {}

  /** Nest calls this before the HTTP server closes, so waiters and streams answer first. */
  async onModuleDestroy(): Promise<void> {
    this.listeners.closeAll();
    clearTimeout(this.idleTimer);
    await this.stopReaders();
  }

  /** Whether shutdown began; answers sent from now on close their connection. */
  get isClosing(): boolean {
    return this.listeners.isClosing;
  }

  /**
   * Calls `listener` with every change of the task until the returned function is called.
   * Resolves once the event readers are positioned: every change from then on reaches the
   * listener, so subscribe *before* reading the task's state. Rejects (listening to nothing)
   * when Redis cannot be asked where its event streams end.
   */
  async subscribe(taskId: string, listener: TaskChangeListener): Promise<() => void> {
    const unsubscribe = this.listeners.subscribe(taskId, listener);
    this.listening += 1;
    clearTimeout(this.idleTimer);
    let subscribed = true;
    const release = () => {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe();
      this.listening -= 1;
      if (this.listening === 0 && !this.isClosing) {
        this.idleTimer = setTimeout(() => void this.stopReaders(), IDLE_STOP_MS).unref();
      }
    };
    if (this.isClosing) return release;
    try {
      await this.startReaders();
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Resolves on the task's next final change (or shutdown); see {@link subscribe} for when
   * to call it. Always call `cancel`.
   */
  async nextFinal(taskId: string): Promise<{ finished: Promise<void>; cancel: () => void }> {
    let resolveFinished = () => {};
    const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
    const cancel = await this.subscribe(taskId, (change) => {
      if (isFinalChange(change) || change.type === 'closing') resolveFinished();
    });
    return { finished, cancel };
  }

  private async startReaders(): Promise<void> {
    this.readers ??= this.openReaders().catch((error: unknown) => {
      this.readers = undefined;
      throw error;
    });
    await this.readers;
  }

  /** Positions first (the only step that can fail), so a failure leaves no reader open. */
  private async openReaders(): Promise<Reader[]> {
    const pools = this.config.pools;
    const positions = await Promise.all(pools.map((pool) => this.newestEventId(pool)));
    return pools.map((pool, index) => this.openReader(pool, positions[index] ?? '$'));
  }

  private async newestEventId(pool: PoolName): Promise<string> {
    const key = this.queues.get(pool)?.keys.events;
    if (key === undefined) return '$';
    const [newest] = await this.redis.xrevrange(key, '+', '-', 'COUNT', 1);
    // An empty stream: every event to come is newer than 0-0.
    return newest?.[0] ?? '0-0';
  }

  private async stopReaders(): Promise<void> {
    const readers = this.readers;
    this.readers = undefined;
    const opened = (await readers?.catch(() => undefined)) ?? [];
    await Promise.all(
      // The connection goes even if the reader's close fails: it would keep the process up.
      opened.map(({ events, connection }) => events.close().finally(() => closeRedis(connection))),
    );
  }

  private openReader(pool: PoolName, lastEventId: string): Reader {
    // A connection of its own: QueueEvents blocks on XREAD.
    const connection = createRedis(this.config.redisUrl, 'worker', `agentq-gateway-events-${pool}`);
    const events = new QueueEvents(queueName(pool), {
      connection,
      prefix: this.config.prefix,
      lastEventId,
    });
    events.on('error', (err) => this.logger.warn({ err: err.message, pool }, 'queue events error'));
    const emit = (jobId: string, change: TaskChange) => this.listeners.emit(jobId, change);
    events.on('active', ({ jobId }) => emit(jobId, { type: 'active' }));
    events.on('waiting', ({ jobId }) => emit(jobId, { type: 'waiting' }));
    events.on('delayed', ({ jobId }) => emit(jobId, { type: 'delayed' }));
    events.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', progress: data }));
    events.on('completed', ({ jobId }) => emit(jobId, { type: 'completed' }));
    events.on('failed', ({ jobId }) => emit(jobId, { type: 'failed' }));
    events.on('removed', ({ jobId }) => emit(jobId, { type: 'removed' }));
    return { events, connection };
  }
}
