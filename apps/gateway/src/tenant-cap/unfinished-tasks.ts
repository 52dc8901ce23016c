import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, type PoolName } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { RedisScript } from '../http/redis-script.js';
import { GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';

/**
 * Reserves room for new tasks in a tenant's set of unfinished tasks (members: BullMQ job
 * keys, scored by submit time), all or nothing, atomically, so replicas never overshoot the
 * cap. Finished tasks are not removed as they finish: when the set looks full, its oldest
 * members (at most 1,000 per call) are checked and those whose job finished (`finishedOn`)
 * or vanished are dropped. A job that does not exist yet is kept for a grace period, as its
 * submit may still be enqueueing it. Returns -1 when reserved, else the unfinished count.
 */
const RESERVE = new RedisScript(`
local cap = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local graceMs = tonumber(ARGV[3])
local wanted = #ARGV - 3
local count = redis.call('ZCARD', KEYS[1])
if count + wanted > cap then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 999, 'WITHSCORES')
  for i = 1, #oldest, 2 do
    local jobKey = oldest[i]
    local gone = redis.call('EXISTS', jobKey) == 0 and tonumber(oldest[i + 1]) < now - graceMs
    if gone or redis.call('HEXISTS', jobKey, 'finishedOn') == 1 then
      redis.call('ZREM', KEYS[1], jobKey)
      count = count - 1
      if count + wanted <= cap then break end
    end
  end
  if count + wanted > cap then return count end
end
for i = 4, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end
return -1
`);

/** A submit may take this long between reserving and enqueueing its tasks. */
const ENQUEUE_GRACE_MS = 60_000;

export interface NewTask {
  pool: PoolName;
  id: string;
}

/** Tasks reserved by {@link UnfinishedTasks.reserve}; `release` if they were not enqueued. */
export interface Reservation {
  release(): Promise<void>;
}

/**
 * The per-tenant cap on tasks not finished yet (AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED):
 * one more would be 429. Self-contained: the submit path calls `reserve` once.
 */
@Injectable()
export class UnfinishedTasks {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
  ) {}

  async reserve(tenant: string, tasks: readonly NewTask[]): Promise<Reservation> {
    const cap = this.config.tenantMaxUnfinished;
    if (cap === 0 || tasks.length === 0) return { release: () => Promise.resolve() };
    const key = gatewayKeys.tenantUnfinished(this.config.prefix, tenant);
    const members = tasks.map(({ pool, id }) => this.jobKey(pool, id));
    const args = [String(cap), String(Date.now()), String(ENQUEUE_GRACE_MS), ...members];
    const result = (await RESERVE.run(this.redis, [key], args)) as number;
    if (result >= 0) {
      throw new ApiError(
        ErrorCode.QuotaExceeded,
        `tenant has ${result} unfinished tasks; at most ${cap} may be waiting or running`,
        { limit: cap, unfinished: result, requested: tasks.length },
        { 'retry-after': String(this.config.retryAfterSeconds) },
      );
    }
    return {
      release: async () => {
        await this.redis.zrem(key, ...members);
      },
    };
  }

  private jobKey(pool: PoolName, id: string): string {
    const queue = this.queues.get(pool);
    if (!queue) throw new Error(`no queue for pool ${pool}`);
    return queue.toKey(id);
  }
}
