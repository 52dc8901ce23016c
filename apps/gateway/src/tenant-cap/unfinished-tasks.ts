import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, type PoolName } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { RedisScript, ZADD_ALL_LUA } from '../http/redis-script.js';
import { GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';

/**
 * Lua: `reserveUnfinished(key, cap, now, graceMs, members)` reserves room for new tasks in a
 * tenant's set of unfinished tasks (members: BullMQ job keys, scored by submit time), all or
 * nothing, atomically, so replicas never overshoot the cap. Finished tasks are not removed
 * as they finish: when the set looks full, its oldest members (at most 1,000 per call) are
 * checked and those whose job finished (`finishedOn`) or vanished are dropped. A job that
 * does not exist yet is kept for a grace period, as its submit may still be enqueueing it.
 * Returns -1 when reserved, else the unfinished count. The count is read once per script and
 * kept up to date in it (the members are new job keys), so several submits of one tenant in a
 * call cost one count. Needs {@link ZADD_ALL_LUA} before it.
 */
export const RESERVE_UNFINISHED_LUA = `
local unfinishedCounts = {}
local function reserveUnfinished(key, cap, now, graceMs, members)
  local wanted = #members
  local count = unfinishedCounts[key] or redis.call('ZCARD', key)
  if count + wanted > cap then
    local oldest = redis.call('ZRANGE', key, 0, 999, 'WITHSCORES')
    for i = 1, #oldest, 2 do
      local jobKey = oldest[i]
      local gone = redis.call('EXISTS', jobKey) == 0 and tonumber(oldest[i + 1]) < now - graceMs
      if gone or redis.call('HEXISTS', jobKey, 'finishedOn') == 1 then
        redis.call('ZREM', key, jobKey)
        count = count - 1
        if count + wanted <= cap then break end
      end
    end
    unfinishedCounts[key] = count
    if count + wanted > cap then return count end
  end
  zaddAll(key, now, members)
  unfinishedCounts[key] = count + wanted
  return -1
end
`;

const RESERVE = new RedisScript(`${ZADD_ALL_LUA}
${RESERVE_UNFINISHED_LUA}
local members = {}
for i = 4, #ARGV do members[#members + 1] = ARGV[i] end
return reserveUnfinished(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), members)
`);

/**
 * A workflow submit may take this long between reserving and enqueueing its tasks (a task
 * submit does both in one script, the submit gate).
 */
export const ENQUEUE_GRACE_MS = 60_000;

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
    if (result >= 0) throw this.quotaExceeded(result, tasks.length);
    return {
      release: async () => {
        await this.redis.zrem(key, ...members);
      },
    };
  }

  /** The 429 of a tenant with `unfinished` tasks that cannot take `requested` more. */
  quotaExceeded(unfinished: number, requested: number): ApiError {
    const cap = this.config.tenantMaxUnfinished;
    return new ApiError(
      ErrorCode.QuotaExceeded,
      `tenant has ${unfinished} unfinished tasks; at most ${cap} may be waiting or running`,
      { limit: cap, unfinished, requested },
      { 'retry-after': String(this.config.retryAfterSeconds) },
    );
  }

  /** The member a task is counted by: its BullMQ job key. */
  jobKey(pool: PoolName, id: string): string {
    const queue = this.queues.get(pool);
    if (!queue) throw new Error(`no queue for pool ${pool}`);
    return queue.toKey(id);
  }
}
