import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@agentq/contracts';
import type { RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import type { GateCall } from './gate-call.js';

/**
 * How long a task's job may not exist yet while it counts toward its tenant's cap: the
 * gate enqueues it in the same script, or (on a Cluster) right after, so this only covers
 * clock skew and slow adds.
 */
const ENQUEUE_GRACE_MS = 60_000;

/** The oldest members checked per look at a full set (one read each, in any slot). */
const CHECKED_PER_LOOK = 200;

/** The gate's tenant-cap step (`lua/includes/reserve-unfinished.lua`). */
export interface CapArgs {
  key: number;
  limit: number;
  now: number;
  graceMs: number;
  /** Whether the script drops finished tasks itself (it can read their job keys). */
  prune: boolean;
}

/**
 * The per-tenant cap on tasks not finished yet (AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED): one
 * more would be 429. A sorted set per tenant of its tasks' job keys, reserved by the submit
 * gate for the new tasks of a submit, all or nothing.
 */
@Injectable()
export class UnfinishedTasks {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  /**
   * The gate's arguments, or none when there is no cap. Without `prune` (on a Cluster the
   * job keys are in the pools' slots) the gate only counts, and {@link dropFinished} prunes.
   */
  args(call: GateCall, tenant: string, now: number, prune: boolean): CapArgs | undefined {
    const limit = this.config.tenantMaxUnfinished;
    if (limit === 0) return undefined;
    const key = call.key(gatewayKeys.tenantUnfinished(this.config.prefix, tenant));
    return { key, limit, now, graceMs: ENQUEUE_GRACE_MS, prune };
  }

  /**
   * Drops the tenant's oldest tasks that finished, or vanished past the grace period, from
   * its set, reading each job where it is (any slot). Answers how many were dropped.
   */
  async dropFinished(tenant: string, now: number): Promise<number> {
    const key = gatewayKeys.tenantUnfinished(this.config.prefix, tenant);
    const oldest = await this.redis.zrange(key, '0', String(CHECKED_PER_LOOK - 1), 'WITHSCORES');
    const members: { jobKey: string; since: number }[] = [];
    for (let i = 0; i + 1 < oldest.length; i += 2) {
      members.push({ jobKey: oldest[i] ?? '', since: Number(oldest[i + 1]) });
    }
    // Every BullMQ job hash has `timestamp`: without it, the job does not exist.
    const done = await Promise.all(
      members.map(async ({ jobKey, since }) => {
        const [finishedOn, timestamp] = await this.redis.hmget(jobKey, 'finishedOn', 'timestamp');
        return finishedOn !== null || (timestamp === null && since < now - ENQUEUE_GRACE_MS);
      }),
    );
    const gone = members.filter((_, i) => done[i]).map(({ jobKey }) => jobKey);
    return gone.length === 0 ? 0 : this.redis.zrem(key, ...gone);
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
}
