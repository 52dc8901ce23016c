import { DelayedError, Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import {
  poolOfQueue,
  type PoolName,
  type TaskJobData,
  type TenantPolicies,
} from '@agentq/contracts';
import { loadLuaScript, type RedisClient } from '@agentq/queue';
import type { TaskProcessor } from './run-task.js';

const TAKE = loadLuaScript<'run' | 'park'>('tenant-slot-take');
const RENEW = loadLuaScript<number>('tenant-slot-renew');
const RELEASE = loadLuaScript<string[]>('tenant-slot-release');

/**
 * How long a parked task stays out of the queue unless a slot of its tenant frees first (then
 * it is moved back at once): the backstop for a release that never came (its worker died).
 */
const PARK_MS = 30_000;
/**
 * A running task's hold on its tenant's slot, renewed while it runs: a worker that dies frees
 * it within this long (its task, run again elsewhere, takes the same slot back).
 */
const LEASE_MS = 15_000;

export interface TenantSlotsOptions {
  redis: RedisClient;
  tenants: TenantPolicies;
  /** The queue of a pool, to move parked tasks back into it. */
  queueFor: (pool: PoolName) => Queue;
  logger: Logger;
  /** How long a parked task stays out unless a slot frees. @defaultValue PARK_MS */
  parkMs?: number;
}

/**
 * Each tenant's limit on tasks running at once in a pool (`maxRunning` in AGENTQ_TENANTS),
 * kept in Redis so that every worker respects it: a task over its tenant's limit is parked
 * (out of the queue, its worker slot free for other tenants' tasks), and moved back when a task
 * of that tenant ends. The sets live in the pool's hash slot (`lua/tenant-slot-*.lua`).
 */
export class TenantSlots {
  constructor(private readonly options: TenantSlotsOptions) {}

  /** The tenant's limit in the pool, if it has one. */
  limitOf(tenant: string, pool: PoolName): number | undefined {
    const limit = this.options.tenants[tenant]?.maxRunning;
    return typeof limit === 'number' ? limit : limit?.[pool];
  }

  /** Runs the task if its tenant has a slot free in its pool, else parks it. */
  wrap(processor: TaskProcessor): TaskProcessor {
    return async (job, token, abort, hooks) => {
      const held = this.heldBy(job);
      if (!held) return processor(job, token, abort, hooks);
      const keys = slotKeys(job, held.tenant);
      const { redis } = this.options;
      const taskId = job.id ?? '';
      const taken = await TAKE.run(redis, keys, [held.limit, taskId, LEASE_MS]);
      if (taken === 'park') {
        await job.moveToDelayed(Date.now() + (this.options.parkMs ?? PARK_MS), token);
        throw new DelayedError();
      }
      const renewal = setInterval(() => {
        RENEW.run(redis, keys.slice(0, 1), [taskId, LEASE_MS]).catch(() => undefined);
      }, LEASE_MS / 3);
      renewal.unref();
      try {
        return await processor(job, token, abort, hooks);
      } finally {
        clearInterval(renewal);
        await this.release(job, held.pool, held.limit, keys);
      }
    };
  }

  private heldBy(job: Job): { tenant: string; pool: PoolName; limit: number } | undefined {
    const tenant = (job.data as Partial<TaskJobData>).tenant;
    const pool = poolOfQueue(job.queueName);
    if (tenant === undefined || pool === undefined) return undefined;
    const limit = this.limitOf(tenant, pool);
    return limit === undefined ? undefined : { tenant, pool, limit };
  }

  /** Frees the task's slot and moves back the parked tasks that may run now. */
  private async release(job: Job, pool: PoolName, limit: number, keys: string[]): Promise<void> {
    const { redis, queueFor, logger } = this.options;
    try {
      const next = await RELEASE.run(redis, keys, [limit, job.id ?? '']);
      const queue = queueFor(pool);
      await Promise.all(
        next.map(async (id) => {
          const parked = await Job.fromId(queue, id);
          // Not delayed (any more): it was cancelled, or runs already; nothing to move.
          await parked?.promote().catch(() => undefined);
        }),
      );
    } catch (err) {
      // The parked tasks come back by themselves (PARK_MS), and the lease expires.
      logger.warn({ err, taskId: job.id }, 'could not release a tenant slot');
    }
  }
}

/** The keys of a tenant's slots in a job's pool: beside the queue's own (its hash slot). */
function slotKeys(job: Job, tenant: string): string[] {
  const base = `${job.queueQualifiedName}:agentq-tenant:${tenant}`;
  return [`${base}:running`, `${base}:parked`];
}
