import { Controller, Get, Inject, Query } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  PoolHistoryQuerySchema,
  type PoolHistoryView,
  type PoolName,
  type PoolStats,
} from '@agentq/contracts';
import {
  oldestWaitingTimestamp,
  readPoolCounts,
  readPoolHistory,
  readWorkerNames,
  slotsOf,
  type RedisClient,
} from '@agentq/queue';
import { RequireScopes } from '../auth/require-scopes.decorator.js';
import type { GatewayConfig } from '../config.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { parseQueryOrThrow } from '../http/parse-or-throw.js';
import { GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';

/**
 * `GET /v1/pools`: each pool's backlog, workers and their task slots, for dashboards and
 * clients backing off; `GET /v1/pools/history`: each pool's last minutes (the workers'
 * rollups), for charts.
 */
@Controller('v1/pools')
@RequireScopes('tasks:read')
export class PoolsController {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('history')
  async history(@Query() query: unknown): Promise<PoolHistoryView> {
    const { minutes } = parseQueryOrThrow(PoolHistoryQuerySchema, query);
    assertRedisReady(this.redis);
    return readPoolHistory(this.redis, this.config.prefix, [...this.queues.keys()], minutes);
  }

  @Get()
  async list(): Promise<{ pools: PoolStats[] }> {
    assertRedisReady(this.redis);
    const now = Date.now();
    const pools = await Promise.all(
      [...this.queues].map(async ([pool, queue]): Promise<PoolStats> => {
        const [counts, oldest, workerNames] = await Promise.all([
          readPoolCounts(queue),
          oldestWaitingTimestamp(queue, this.redis),
          readWorkerNames(queue),
        ]);
        const { waiting, prioritized, delayed, active, completed, failed } = counts;
        return {
          pool,
          counts: { waiting, prioritized, delayed, active, completed, failed },
          oldestWaitingAgeSeconds: oldest === null ? null : Math.max(0, (now - oldest) / 1000),
          workers: workerNames.length,
          slots: slotsOf(workerNames, pool, 0),
        };
      }),
    );
    return { pools };
  }
}
