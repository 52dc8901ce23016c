import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { closeRedis, createRedis, onWorkflowChange, type RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { KeyedListeners } from '../events/keyed-listeners.js';
import { GATEWAY_CONFIG, LOGGER, REDIS } from '../tokens.js';

/** How long start-up waits for the subscription before serving anyway. */
const READY_WAIT_MS = 3000;

/** A workflow moved (read it again), or the gateway is shutting down (answer now). */
export type WorkflowChange = 'changed' | 'closing';

/**
 * The gateway's one subscription to workflow changes (the engine's scripts publish each
 * changed workflow's id), fanned out in-process to waiters and event streams by id. What is
 * published while the subscriber is disconnected reaches no one (pub/sub keeps nothing), so
 * after a reconnect every listener is told to read its workflow again.
 */
@Injectable()
export class WorkflowChanges implements OnModuleInit, OnModuleDestroy {
  private readonly listeners = new KeyedListeners<WorkflowChange>('closing');
  private subscriber: RedisClient | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private connectedBefore = false;
  /** A catch-up under way: reconnects meanwhile join it rather than pile up. */
  private catchingUp: Promise<void> | undefined;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  async onModuleInit(): Promise<void> {
    // A connection of its own: it enters subscriber mode.
    const subscriber = createRedis(this.config.redis, 'worker', 'agentq-gateway-workflows');
    subscriber.on('error', (err: Error) =>
      this.logger.warn({ err: err.message }, 'workflow changes'),
    );
    subscriber.on('ready', () => {
      if (this.connectedBefore) this.catchingUp ??= this.catchUp(subscriber);
      this.connectedBefore = true;
    });
    this.subscriber = subscriber;
    // Serve even if Redis is away at start; ioredis subscribes once it connects.
    const subscribed = onWorkflowChange(subscriber, this.config.prefix, (id) =>
      this.listeners.emit(id, 'changed'),
    ).then((unsubscribe) => (this.unsubscribe = unsubscribe));
    await Promise.race([
      subscribed.catch((err: unknown) => this.logger.warn({ err }, 'workflow changes')),
      new Promise((resolve) => setTimeout(resolve, READY_WAIT_MS).unref()),
    ]);
  }

  async onModuleDestroy(): Promise<void> {
    this.listeners.closeAll();
    await this.unsubscribe?.().catch(() => undefined);
    if (this.subscriber) await closeRedis(this.subscriber);
  }

  /**
   * After a reconnect: every listener reads its workflow again, once the subscription is
   * back (ioredis subscribes again right after it reports ready; a PING on the same
   * connection is answered after that) and the gateway's connection answers reads.
   */
  private async catchUp(subscriber: RedisClient): Promise<void> {
    try {
      await subscriber.ping();
      if (this.redis.status !== 'ready') {
        await new Promise((resolve) => this.redis.once('ready', resolve));
      }
    } catch {
      return; // Gone again: the next reconnect catches up.
    } finally {
      this.catchingUp = undefined;
    }
    if (this.listeners.isClosing) return;
    for (const id of this.listeners.keys()) this.listeners.emit(id, 'changed');
  }

  get isClosing(): boolean {
    return this.listeners.isClosing;
  }

  /** Calls `listener` on every change of the workflow until the returned function is called. */
  subscribe(workflowId: string, listener: (change: WorkflowChange) => void): () => void {
    return this.listeners.subscribe(workflowId, listener);
  }
}
