import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ErrorCode, type PoolName, type PriorityLevel } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, TASK_QUEUES } from '../tokens.js';
import { BacklogReads, slot } from './backlog-reads.js';

/** How many tasks a submit adds to one pool at one priority level. */
export interface BacklogDemand {
  pool: PoolName;
  priority: PriorityLevel;
  count: number;
}

/** Room reserved by {@link BacklogLimit.admit}; settle it once, either way. */
export interface Admission {
  /** The tasks are queued: from now on they are counted as part of the backlog. */
  enqueued(): void;
  /** The tasks were not queued after all: give their room back. */
  release(): void;
}

/**
 * Backlog admission: a pool takes at most `maxBacklog[level]` waiting tasks per priority
 * level. Tasks being enqueued by this process are reserved *before* the backlog is read
 * (synchronously), so concurrent submits here never overshoot; across gateway processes the
 * overshoot is bounded by the submits the others accept within a few milliseconds.
 *
 * The backlog read costs no round trip of its own per submit under load: submits share and
 * briefly reuse reads (see {@link BacklogReads}). Other limits (per tenant, say) belong in
 * `admit` beside the backlog check, reserved and settled the same way.
 */
@Injectable()
export class BacklogLimit {
  private readonly reserved = new Map<string, number>();
  private readonly backlog: BacklogReads;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TASK_QUEUES) queues: ReadonlyMap<PoolName, Queue>,
  ) {
    this.backlog = new BacklogReads(queues);
  }

  /** Reserves room for every demand, or throws 429 (all or nothing) with Retry-After. */
  async admit(demands: readonly BacklogDemand[]): Promise<Admission> {
    const limited = demands.filter((d) => this.config.maxBacklog[d.priority] > 0 && d.count > 0);
    for (const d of limited) this.adjust(slot(d.pool, d.priority), d.count);
    let settled = false;
    const settle = (queued: boolean) => {
      if (settled) return;
      settled = true;
      for (const d of limited) {
        this.adjust(slot(d.pool, d.priority), -d.count);
        if (queued) this.backlog.noteEnqueued(d.pool, d.priority, d.count);
      }
    };
    const admission: Admission = { enqueued: () => settle(true), release: () => settle(false) };
    try {
      const waiting = await Promise.all(
        limited.map((d) => this.backlog.estimate(d.pool, d.priority)),
      );
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

  private adjust(key: string, delta: number): void {
    const next = (this.reserved.get(key) ?? 0) + delta;
    if (next === 0) this.reserved.delete(key);
    else this.reserved.set(key, next);
  }
}
