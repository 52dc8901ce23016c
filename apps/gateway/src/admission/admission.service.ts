import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ErrorCode, Priority, type PoolName, type PriorityLevel } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, TASK_QUEUES } from '../tokens.js';

/** How many tasks a submit adds to one pool at one priority level. */
export interface BacklogDemand {
  pool: PoolName;
  priority: PriorityLevel;
  count: number;
}

/** Tasks reserved by {@link AdmissionService.admit}; give them back once they are queued. */
export interface Admission {
  release(): void;
}

const slot = (pool: PoolName, priority: PriorityLevel) => `${pool}/${priority}`;

/**
 * Admission control: a pool takes at most `maxBacklog[level]` waiting tasks per priority
 * level. Tasks being enqueued by this process are reserved *before* the backlog is read
 * (synchronously), so concurrent submits here never overshoot; across gateway processes the
 * overshoot is bounded by the submits in flight at once.
 */
@Injectable()
export class AdmissionService {
  private readonly reserved = new Map<string, number>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
  ) {}

  /** Reserves room for every demand, or throws 429 (all or nothing) with Retry-After. */
  async admit(demands: readonly BacklogDemand[]): Promise<Admission> {
    const limited = demands.filter((d) => this.config.maxBacklog[d.priority] > 0 && d.count > 0);
    for (const d of limited) this.adjust(slot(d.pool, d.priority), d.count);
    let released = false;
    const admission: Admission = {
      release: () => {
        if (released) return;
        released = true;
        for (const d of limited) this.adjust(slot(d.pool, d.priority), -d.count);
      },
    };
    try {
      const waiting = await Promise.all(limited.map((d) => this.waiting(d.pool, d.priority)));
      const full = limited.find((d, index) => {
        const inFlight = this.reserved.get(slot(d.pool, d.priority)) ?? 0;
        return (waiting[index] ?? 0) + inFlight > this.config.maxBacklog[d.priority];
      });
      if (full) {
        throw new ApiError(
          ErrorCode.RateLimited,
          `pool "${full.pool}" has too many ${full.priority}-priority tasks waiting; retry later`,
          {
            pool: full.pool,
            priority: full.priority,
            limit: this.config.maxBacklog[full.priority],
          },
          { 'retry-after': String(this.config.retryAfterSeconds) },
        );
      }
    } catch (error) {
      admission.release();
      throw error;
    }
    return admission;
  }

  private async waiting(pool: PoolName, priority: PriorityLevel): Promise<number> {
    const queue = this.queues.get(pool);
    if (!queue) return 0;
    const bullPriority = Priority[priority];
    const counts = await queue.getCountsPerPriority([bullPriority]);
    return counts[bullPriority] ?? 0;
  }

  private adjust(key: string, delta: number): void {
    const next = (this.reserved.get(key) ?? 0) + delta;
    if (next === 0) this.reserved.delete(key);
    else this.reserved.set(key, next);
  }
}
