import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  DeadLetterLimits,
  ErrorCode,
  type DeadLetterListQuery,
  type DeadLetterPage,
  type DeadLetterRedrive,
  type DeadLetterRedriven,
  type DeadLetterView,
  type PoolName,
} from '@agentq/contracts';
import {
  countDeadLetters,
  deadLetterTenant,
  findDeadLetters,
  listDeadLetters,
  redriveDeadLetter,
  type DeadLetter,
  type RedisClient,
} from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';
import { toDeadLetterView } from './dead-letter-view.js';

/**
 * A tenant's dead letters (written by the workers, see `@agentq/queue` dead-letter.ts):
 * listed and re-driven. Another tenant's entries are answered as unknown.
 */
@Injectable()
export class DeadLetterService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
  ) {}

  async list(tenant: string, query: DeadLetterListQuery): Promise<DeadLetterPage> {
    assertRedisReady(this.redis);
    const { total, items } = await listDeadLetters(this.redis, this.config.prefix, {
      ...query,
      tenant,
    });
    const next = query.offset + query.limit;
    return {
      deadLetters: items.map(toDeadLetterView),
      total,
      nextOffset: next < total ? next : null,
    };
  }

  async get(tenant: string, id: string): Promise<DeadLetterView> {
    assertRedisReady(this.redis);
    const [entry] = await this.find(tenant, [id]);
    if (!entry) throw new ApiError(ErrorCode.NotFound, `dead letter ${id} not found`);
    return toDeadLetterView(entry);
  }

  /** Queues the chosen dead letters again, each under its own id with fresh attempts. */
  async redrive(tenant: string, request: DeadLetterRedrive): Promise<DeadLetterRedriven> {
    assertRedisReady(this.redis);
    const { pool } = request;
    if (pool !== undefined) this.queueOf(pool);
    const entries = request.ids
      ? await this.find(tenant, [...new Set(request.ids)])
      : (
          await listDeadLetters(this.redis, this.config.prefix, {
            offset: 0,
            limit: request.limit ?? DeadLetterLimits.defaultRedriveLimit,
            pool,
            tenant,
            oldestFirst: true,
          })
        ).items;
    const outcomes = await Promise.all(
      entries.map(async (entry) => ({
        id: entry.taskId,
        outcome: await redriveDeadLetter(
          this.redis,
          this.config.prefix,
          this.queueOf(entry.pool),
          entry.pool,
          entry.taskId,
        ),
      })),
    );
    const answer: DeadLetterRedriven = {
      redriven: [],
      notFound: (request.ids ?? []).filter((id) => !entries.some((e) => e.taskId === id)),
      conflicts: [],
      remaining: await countDeadLetters(this.redis, this.config.prefix, { pool, tenant }),
    };
    for (const { id, outcome } of outcomes) {
      if (outcome.status === 'redriven') answer.redriven.push(id);
      else if (outcome.status === 'conflict') answer.conflicts.push({ id, state: outcome.state });
      else answer.notFound.push(id);
    }
    return answer;
  }

  /** The tenant's dead letters among these ids, in the pools this gateway serves. */
  private async find(tenant: string, ids: readonly string[]): Promise<DeadLetter[]> {
    const found = await findDeadLetters(
      this.redis,
      this.config.prefix,
      [...this.queues.keys()],
      ids,
    );
    return found.filter((entry) => deadLetterTenant(entry) === tenant);
  }

  private queueOf(pool: PoolName): Queue {
    const queue = this.queues.get(pool);
    if (queue) return queue;
    throw new ApiError(ErrorCode.ValidationFailed, `unknown pool "${pool}"`, [
      { path: 'body.pool', message: `pool must be one of: ${[...this.queues.keys()].join(', ')}` },
    ]);
  }
}
