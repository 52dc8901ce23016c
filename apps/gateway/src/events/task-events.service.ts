import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { QueueEvents, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { queueName, type PoolName } from '@agentq/contracts';
import { closeRedis, createRedis, poolKeyPrefix, type RedisClient } from '@agentq/queue';
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
  connection: RedisClient;
  /** The pool's event stream (undefined without a queue: nothing to read then). */
  stream: string | undefined;
  /** The id of the last event delivered (its start position before the first). */
  lastRead: string;
  /**
   * As of the last check: every event up to this id was delivered, or is covered by a
   * re-read of every task listened to. The next check looks for a gap after it.
   */
  checkedThrough: string;
}

/** The readers of all pools, and what keeps them caught up while they run. */
interface Readers {
  pools: Reader[];
  /** Whether every task listened to is to be read again (and was not yet). */
  resyncDue: boolean;
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
 * that far behind resumes past events it never read, a task's final one among them. So
 * every task listened to is read again after a reader's connection came back, and the
 * readers check at the keep-alive cadence (and whenever a connection comes back) that
 * nothing was trimmed unread since the previous check, which makes them read every task
 * listened to again too. Tasks found finished get their final change: no listener waits
 * on a finished task.
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
    @Inject(REDIS) private readonly redis: RedisClient,
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
    const check = () => void this.catchUp(readers);
    const readers: Readers = {
      pools: pools.map((pool, index) => this.openReader(pool, positions[index] ?? '$')),
      resyncDue: false,
      check,
      // Bounds, at one keep-alive interval, what no reconnect reveals: a reader more than
      // MAXLEN events behind. One pipeline of an XINFO per pool a tick, however many listen.
      checkTimer: setInterval(check, this.config.sseKeepAliveMs).unref(),
    };
    for (const { connection } of readers.pools) {
      // Whatever the stream says once it is back (it may have been deleted, or a Redis
      // restarted without it), events may have been lost while it was away: read every
      // task again. Reconnects are rare; this costs one read per task listened to.
      connection.on('close', () => (readers.resyncDue = true));
      connection.on('ready', check);
    }
    // The check needs the gateway's connection: a check or re-read it missed is done now.
    this.redis.on('ready', check);
    return readers;
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
    const connection = createRedis(this.config.redis, 'worker', `agentq-gateway-events-${pool}`);
    const events = new QueueEvents(queueName(pool), {
      connection,
      prefix: poolKeyPrefix(this.config.prefix, pool),
      lastEventId,
    });
    const reader: Reader = {
      pool,
      events,
      connection,
      stream: this.queues.get(pool)?.keys.events,
      lastRead: lastEventId,
      checkedThrough: lastEventId,
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
   * Reads every task listened to again if a stream was trimmed past what its reader read
   * or a reader reconnected (once the gateway's connection is up: its return calls this).
   *
   * The gap is looked for after where the reader was at the previous check, not where it is
   * now: a reader's next XREAD after a trim (on a reconnect, ioredis re-sends the blocked
   * one before 'ready' fires) reads the events kept after the gap and moves past it, often
   * before this check's XINFO is answered. An event trimmed unread since the previous check
   * is newer than what the reader had delivered when that check asked (it reads in order,
   * and had it skipped the event by then, that check's answer would have shown it gone),
   * and a trim takes the oldest events first: so the stream now starts after that position.
   * The price: a pool adding more than MAXLEN events between two checks has its listened
   * tasks read again at each check, whether its reader kept up or not.
   */
  private async catchUp(readers: Readers): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      const trimmed: PoolName[] = [];
      const checked = readers.pools.flatMap((reader) =>
        // Taken before asking: what the reader delivers meanwhile is for the next check.
        reader.stream === undefined
          ? []
          : [{ reader, stream: reader.stream, position: reader.lastRead }],
      );
      const allEnds = await this.ends(checked.map(({ stream }) => stream));
      for (const [index, { reader, position }] of checked.entries()) {
        const ends = allEnds[index];
        if (ends && mayHaveMissed(reader.checkedThrough, ends)) {
          trimmed.push(reader.pool);
          readers.resyncDue = true;
          // The re-read below starts after this answer: it covers every event added so far.
          reader.checkedThrough = laterStreamId(reader.checkedThrough, ends.lastGeneratedId);
        } else {
          reader.checkedThrough = laterStreamId(reader.checkedThrough, position);
        }
      }
      if (trimmed.length > 0) {
        const message = 'task events were trimmed unread: reading listened tasks again';
        this.logger.warn({ pools: trimmed }, message);
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'task events check failed');
    }
    if (!readers.resyncDue) return;
    readers.resyncDue = false;
    try {
      await this.resync();
    } catch (error) {
      // Tried again at the next check.
      readers.resyncDue = true;
      this.logger.warn({ err: (error as Error).message }, 'task events catch-up failed');
    }
  }

  /** Each stream's ends, in one round trip; undefined while one does not exist (no event yet). */
  private async ends(streams: readonly string[]): Promise<(StreamEnds | undefined)[]> {
    const pipeline = this.redis.pipeline();
    for (const stream of streams) pipeline.xinfo('STREAM', stream);
    return ((await pipeline.exec()) ?? []).map(([error, reply]) => {
      if (!error) return parseStreamEnds(reply);
      // Any other failure must not pass for "nothing missed".
      if (/no such key/i.test(error.message)) return undefined;
      throw error;
    });
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
