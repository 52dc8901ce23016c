import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { queueName, type PoolName } from '@agentq/contracts';
import { createRedis } from '@agentq/queue';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG, LOGGER } from '../tokens.js';
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

/** How long start-up waits for the event connections before serving anyway. */
const READY_WAIT_MS = 3000;

/**
 * The gateway's one subscription to task events: a BullMQ QueueEvents per pool (one
 * blocking connection each), fanned out in-process to listeners keyed by task id. Waiters
 * and event streams register here instead of polling Redis.
 */
@Injectable()
export class TaskEvents implements OnModuleInit, OnModuleDestroy {
  private readonly listeners = new KeyedListeners<TaskChange>({ type: 'closing' });
  private readonly streams: { events: QueueEvents; connection: Redis }[] = [];

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const pool of this.config.pools) this.streams.push(this.listen(pool));
    // Serve even if Redis is away at start (readiness says so); events flow once it is back.
    await Promise.race([
      Promise.all(this.streams.map(({ events }) => events.waitUntilReady())),
      new Promise((resolve) => setTimeout(resolve, READY_WAIT_MS).unref()),
    ]);
  }

  /** Nest calls this before the HTTP server closes, so waiters and streams answer first. */
  async onModuleDestroy(): Promise<void> {
    this.listeners.closeAll();
    await Promise.all(
      this.streams.map(async ({ events, connection }) => {
        await events.close();
        await connection.quit().catch(() => connection.disconnect());
      }),
    );
  }

  /** Whether shutdown began; answers sent from now on close their connection. */
  get isClosing(): boolean {
    return this.listeners.isClosing;
  }

  /** Calls `listener` with every change of the task until the returned function is called. */
  subscribe(taskId: string, listener: TaskChangeListener): () => void {
    return this.listeners.subscribe(taskId, listener);
  }

  /**
   * Resolves on the task's next final change (or shutdown). Register this *before* reading the task's
   * state, so a task finishing in between is not missed; always call `cancel`.
   */
  nextFinal(taskId: string): { finished: Promise<void>; cancel: () => void } {
    let unsubscribe = () => {};
    const finished = new Promise<void>((resolve) => {
      unsubscribe = this.subscribe(taskId, (change) => {
        if (isFinalChange(change) || change.type === 'closing') resolve();
      });
    });
    return { finished, cancel: unsubscribe };
  }

  private listen(pool: PoolName): { events: QueueEvents; connection: Redis } {
    // A connection of its own: QueueEvents blocks on XREAD.
    const connection = createRedis(this.config.redisUrl, 'worker', `agentq-gateway-events-${pool}`);
    const events = new QueueEvents(queueName(pool), { connection, prefix: this.config.prefix });
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
