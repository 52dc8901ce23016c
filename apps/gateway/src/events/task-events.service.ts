import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { queueName, type PoolName } from '@agentq/contracts';
import { closeRedis, createRedis } from '@agentq/queue';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG, LOGGER, REDIS, TASK_QUEUES } from '../tokens.js';
import { KeyedListeners } from './keyed-listeners.js';
import { laterStreamId, mayHaveMissed, parseStreamEnds, type StreamEnds } from './stream-gap.js';

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
  pool: PoolName;
  events: QueueEvents;
  connection: Redis;
  /** The pool's event stream (undefined without a queue: nothing to read then). */
  stream: string | undefined;
  /** The id of the last event delivered (its start position before the first). */
  lastRead: string;
  /** Events up to this id are covered by a re-read of every task listened to. */
  resyncedThrough: string;
}

/** The readers of all pools, and what keeps them caught up while they run. */
interface Readers {
  pools: Reader[];
  /** Starts a check for events trimmed unread (see {@link TaskEvents}). */
  check: () => void;
  checkTimer: NodeJS.Timeout;
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
 *
 * A stream is trimmed (MAXLEN), so a reader that was away (its connection dropped) or fell
 * that far behind resumes past events it never read, a task's final one among them. So the
 * readers check that nothing was trimmed unread whenever a connection comes (back) up and
 * at the keep-alive cadence; if something was, every task listened to is read again and
 * those that finished get their final change: no listener waits on a finished task.
 */
@Injectable()
export class TaskEvents implements OnModuleDestroy {
  private readonly listeners = new KeyedListeners<TaskChange>({ type: 'closing' });
  private listening = 0;
  private readers: Promise<Readers> | undefined;
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
  private async openReaders(): Promise<Readers> {
    const pools = this.config.pools;
    const positions = await Promise.all(pools.map((pool) => this.newestEventId(pool)));
    const readers = pools.map((pool, index) => this.openReader(pool, positions[index] ?? '$'));
    const check = () => void this.catchUp(readers);
    // Events are trimmed unread while a reader is away: check when it is back, and when the
    // gateway's own connection (which the check needs) is. The timer bounds, at one
    // keep-alive interval, what no reconnect reveals: a reader more than MAXLEN events
    // behind. It costs one XINFO per pool and tick, however many listen.
    for (const { connection } of readers) connection.on('ready', check);
    this.redis.on('ready', check);
    const checkTimer = setInterval(check, this.config.sseKeepAliveMs).unref();
    return { pools: readers, check, checkTimer };
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
    const opened = await readers?.catch(() => undefined);
    if (!opened) return;
    clearInterval(opened.checkTimer);
    this.redis.off('ready', opened.check);
    await Promise.all(
      // The connection goes even if the reader's close fails: it would keep the process up.
      opened.pools.map(({ events, connection }) =>
        events.close().finally(() => closeRedis(connection)),
      ),
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
    const reader: Reader = {
      pool,
      events,
      connection,
      stream: this.queues.get(pool)?.keys.events,
      lastRead: lastEventId,
      resyncedThrough: '0-0',
    };
    events.on('error', (err) => this.logger.warn({ err: err.message, pool }, 'queue events error'));
    const emit = (jobId: string, id: string, change: TaskChange) => {
      reader.lastRead = id;
      this.listeners.emit(jobId, change);
    };
    events.on('active', ({ jobId }, id) => emit(jobId, id, { type: 'active' }));
    events.on('waiting', ({ jobId }, id) => emit(jobId, id, { type: 'waiting' }));
    events.on('delayed', ({ jobId }, id) => emit(jobId, id, { type: 'delayed' }));
    events.on('progress', ({ jobId, data }, id) =>
      emit(jobId, id, { type: 'progress', progress: data }),
    );
    events.on('completed', ({ jobId }, id) => emit(jobId, id, { type: 'completed' }));
    events.on('failed', ({ jobId }, id) => emit(jobId, id, { type: 'failed' }));
    events.on('removed', ({ jobId }, id) => emit(jobId, id, { type: 'removed' }));
    return reader;
  }

  /**
   * If a stream was trimmed past what its reader read, reads every task listened to again
   * (once the gateway's connection is up: its reconnect calls this again).
   */
  private async catchUp(readers: Reader[]): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      const behind: { reader: Reader; ends: StreamEnds }[] = [];
      for (const reader of readers) {
        if (reader.stream === undefined) continue;
        const ends = await this.ends(reader.stream);
        const readThrough = laterStreamId(reader.lastRead, reader.resyncedThrough);
        if (ends && mayHaveMissed(readThrough, ends)) behind.push({ reader, ends });
      }
      if (behind.length === 0) return;
      const pools = behind.map(({ reader }) => reader.pool);
      this.logger.warn({ pools }, 'task events were trimmed unread: reading listened tasks again');
      await this.resync();
      // Only once the re-read is done: a failed one is tried again at the next check.
      for (const { reader, ends } of behind) {
        reader.resyncedThrough = laterStreamId(reader.resyncedThrough, ends.lastGeneratedId);
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'task events catch-up failed');
    }
  }

  /** A stream's ends; undefined while it does not exist (no event yet). */
  private async ends(stream: string): Promise<StreamEnds | undefined> {
    if ((await this.redis.exists(stream)) === 0) return undefined;
    return parseStreamEnds(await this.redis.xinfo('STREAM', stream));
  }

  /** Delivers to the listeners of each task that finished its final change, read afresh. */
  private async resync(): Promise<void> {
    await Promise.all(
      this.listeners.keys().map(async (taskId) => {
        const change = await this.finalChange(taskId);
        if (change) this.listeners.emit(taskId, change);
      }),
    );
  }

  /** The final change a task had, from its job's state; undefined while it is not finished. */
  private async finalChange(taskId: string): Promise<TaskChange | undefined> {
    for (const queue of this.queues.values()) {
      const state = await queue.getJobState(taskId);
      if (state === 'completed' || state === 'failed') return { type: state };
      if (state !== 'unknown') return undefined;
    }
    // In no queue: removed (cancelled before it started, or by an operator).
    return { type: 'removed' };
  }
}
