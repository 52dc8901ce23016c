import { ACTIVITY_MAX_HOURS } from '@agentq/contracts';
import type { ChainableCommander } from 'ioredis';
import { BatchedPipeline } from './batched-pipeline.js';
import type { RedisClient } from './connection.js';
import { readHashes, recentBuckets } from './time-buckets.js';

/** How a task ended, as its finished record keeps it. */
export type FinishedState = 'completed' | 'failed' | 'cancelled';
const STATES: readonly FinishedState[] = ['completed', 'failed', 'cancelled'];

/** What is known of a task once its job is gone. */
export interface FinishedRecord {
  finishedAt: number;
  state: FinishedState;
}

/** How long, and how many per tenant, finished records are kept. */
export interface FinishedRecordLimits {
  /** @defaultValue 604800 (7 days: as long as failed tasks are kept by default) */
  maxAgeSeconds: number;
  /** @defaultValue 1000000 */
  maxPerTenant: number;
}

export const DEFAULT_FINISHED_RECORD_LIMITS: FinishedRecordLimits = {
  maxAgeSeconds: 604_800,
  maxPerTenant: 1_000_000,
};

/**
 * One sorted set per tenant: member the task id, score its finish time and state in one
 * number (ms × 4 + state), so a record costs one entry and trimming by age is one range.
 */
const keyOf = (prefix: string, tenant: string) => `${prefix}:finished:${tenant}`;
/**
 * Per hour, how many tasks of each tenant finished, by state: one hash per hour whose fields
 * are JSON `[tenant, state]`, kept two days (its size grows with the tenants, not the tasks).
 */
const hourKeyOf = (prefix: string, hour: number) => `${prefix}:finished-hourly:${hour}`;
const HOUR_MS = 3_600_000;
/** Hourly counts are kept as long as the longest window the activity routes answer. */
const HOUR_KEY_TTL_S = (ACTIVITY_MAX_HOURS + 1) * 3_600;
const STATE_SLOTS = 4;
const scoreOf = (at: number, state: FinishedState) => at * STATE_SLOTS + STATES.indexOf(state);

/** The record of a task of this tenant whose job may be gone, if it finished. */
export async function readFinished(
  redis: RedisClient,
  prefix: string,
  tenant: string,
  taskId: string,
): Promise<FinishedRecord | undefined> {
  const score = await redis.zscore(keyOf(prefix, tenant), taskId);
  if (score === null) return undefined;
  const value = Number(score);
  return {
    finishedAt: Math.floor(value / STATE_SLOTS),
    state: STATES[value % STATE_SLOTS] ?? 'failed',
  };
}

/** How long finished records are gathered before they are written together. */
const FLUSH_AFTER_MS = 20;
/** How often a tenant's set is trimmed: trimming every flush costs Redis more than the adds. */
const TRIM_EVERY_MS = 60_000;
/** Past this many tenants the trim times start over (each trims again at its next write). */
const MAX_TENANTS_TRACKED = 100_000;

/**
 * Writes finished records in batches (one pipeline per 20 ms, whatever the task rate) and
 * trims each tenant's set by age and count once a minute: a record per task must not cost
 * a round trip per task. Between trims a set may hold a minute's worth past its bounds.
 */
export class FinishedTasks {
  private readonly writes: BatchedPipeline<Map<string, (string | number)[]>>;
  private readonly trimmedAt = new Map<string, number>();

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly limits: FinishedRecordLimits,
    onError: (err: unknown) => void,
  ) {
    this.writes = new BatchedPipeline(
      redis,
      FLUSH_AFTER_MS,
      () => new Map<string, (string | number)[]>(),
      (pipeline, batch) => this.fill(pipeline, batch),
      onError,
    );
  }

  add(tenant: string, taskId: string, state: FinishedState, at = Date.now()): void {
    const pending = this.writes.gathering;
    let entries = pending.get(tenant);
    if (!entries) pending.set(tenant, (entries = []));
    entries.push(scoreOf(at, state), taskId);
  }

  /** Writes what is gathered now; resolves once it (and any write before it) is done. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  private fill(pipeline: ChainableCommander, batch: Map<string, (string | number)[]>): void {
    const { maxAgeSeconds, maxPerTenant } = this.limits;
    const now = Date.now();
    const oldest = scoreOf(now - maxAgeSeconds * 1000, 'completed');
    const hourly = new Map<string, Map<string, number>>();
    for (const [tenant, entries] of batch) {
      const key = keyOf(this.prefix, tenant);
      pipeline.zadd(key, ...entries);
      for (let i = 0; i < entries.length; i += 2) {
        const score = Number(entries[i]);
        const hour = hourKeyOf(this.prefix, Math.floor(score / STATE_SLOTS / HOUR_MS));
        const field = JSON.stringify([tenant, STATES[score % STATE_SLOTS]]);
        let counts = hourly.get(hour);
        if (!counts) hourly.set(hour, (counts = new Map<string, number>()));
        counts.set(field, (counts.get(field) ?? 0) + 1);
      }
      if (now - (this.trimmedAt.get(tenant) ?? 0) < TRIM_EVERY_MS) continue;
      if (this.trimmedAt.size >= MAX_TENANTS_TRACKED) this.trimmedAt.clear();
      this.trimmedAt.set(tenant, now);
      pipeline
        .zremrangebyscore(key, '-inf', `(${oldest}`)
        .zremrangebyrank(key, 0, -(maxPerTenant + 1))
        .expire(key, maxAgeSeconds);
    }
    for (const [hour, counts] of hourly) {
      for (const [field, by] of counts) pipeline.hincrby(hour, field, by);
      pipeline.expire(hour, HOUR_KEY_TTL_S);
    }
  }
}

/** One tenant's tasks that finished in an hour, by how they ended. */
export type FinishedCounts = { tenant: string } & Record<FinishedState, number>;

/**
 * The last `hours` hours (the current one included), oldest first, each with the tasks that
 * finished in it per tenant; `tenant` keeps one tenant's. One pipelined read of `hours` hashes.
 */
export async function readFinishedHistory(
  redis: RedisClient,
  prefix: string,
  hours: number,
  options: { tenant?: string; now?: number } = {},
): Promise<{ at: string; tenants: FinishedCounts[] }[]> {
  const window = recentBuckets(hours, HOUR_MS, options.now);
  const hashes = await readHashes(
    redis,
    window.map((hour) => hourKeyOf(prefix, hour)),
  );
  return window.map((hour, i) => {
    const byTenant = new Map<string, FinishedCounts>();
    for (const [field, value] of Object.entries(hashes[i] ?? {})) {
      const [tenant, state] = JSON.parse(field) as [string, FinishedState];
      if (options.tenant !== undefined && tenant !== options.tenant) continue;
      let counts = byTenant.get(tenant);
      if (!counts)
        byTenant.set(tenant, (counts = { tenant, completed: 0, failed: 0, cancelled: 0 }));
      counts[state] = Number(value);
    }
    return { at: new Date(hour * HOUR_MS).toISOString(), tenants: [...byTenant.values()] };
  });
}
