import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { longestRetentionSeconds } from './retention.js';

/** What a claim found: the key is new (this request enqueues), a repeat, or a different body. */
export type ClaimOutcome = 'new' | 'repeat' | 'conflict';

export interface ClaimRequest {
  taskId: string;
  hash: string;
}

/**
 * Records which spec an idempotency key was first used with. `SET NX GET` is atomic, so of
 * two concurrent submits with one key exactly one sees `new` and enqueues.
 * Records live as long as the longest retention, like the task they stand for.
 */
@Injectable()
export class IdempotencyStore {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.ttlSeconds = longestRetentionSeconds(config.retention);
  }

  /** Claims every key in one round trip; earlier items win over later ones with the same key. */
  async claim(requests: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
    if (requests.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const { taskId, hash } of requests) {
      const key = gatewayKeys.idempotency(this.config.prefix, taskId);
      pipeline.call('SET', key, hash, 'NX', 'GET', 'EX', this.ttlSeconds);
    }
    const replies = (await pipeline.exec()) ?? [];
    return requests.map((request, index) => {
      const [error, previous] = replies[index] ?? [new Error('no reply'), null];
      if (error) throw error;
      if (previous === null) return 'new';
      return previous === request.hash ? 'repeat' : 'conflict';
    });
  }

  /** Forgets claims whose tasks were not enqueued after all, so the key can be used again. */
  async release(taskIds: readonly string[]): Promise<void> {
    if (taskIds.length === 0) return;
    await this.redis.del(...taskIds.map((id) => gatewayKeys.idempotency(this.config.prefix, id)));
  }
}
