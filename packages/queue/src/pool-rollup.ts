import {
  POOL_HISTORY_MAX_MINUTES,
  type PoolHistoryView,
  type PoolMinuteView,
  type PoolName,
  type StartLatencyView,
} from '@agentq/contracts';
import { BatchedPipeline } from './batched-pipeline.js';
import type { RedisClient } from './connection.js';
import { readHashes, recentBuckets } from './time-buckets.js';

/**
 * Per-minute rollups of each pool, for charts that need no Prometheus: one hash per pool and
 * minute (`<prefix>:rollup:<pool>:<minute>`, minute = epoch ms / 60,000) holding the counts
 * of the minute and a histogram of submit→start latency, kept {@link KEEP_SECONDS}. About
 * 20 fields a minute: under 1 KB, so some 120 KB per pool whatever the number of tasks.
 */

/** Upper bounds (ms) of the latency buckets; a start slower than the last counts in it. */
export const START_LATENCY_BOUNDS_MS: readonly number[] = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000,
];

export type PoolCounter = 'started' | 'completed' | 'failed' | 'retried';
const COUNTERS: readonly PoolCounter[] = ['started', 'completed', 'failed', 'retried'];

const MINUTE_MS = 60_000;
/** A little past the longest window answered, so its oldest minute is whole. */
const KEEP_SECONDS = (POOL_HISTORY_MAX_MINUTES + 5) * 60;
/** How long counts are gathered before they are written together. */
const FLUSH_AFTER_MS = 1_000;

const keyOf = (prefix: string, pool: string, minute: number) =>
  `${prefix}:rollup:${pool}:${minute}`;
const latencyField = (bucket: number) => `lat:${bucket}`;

/** The bucket a latency falls in: the first whose bound it does not pass. */
export function latencyBucket(ms: number): number {
  const index = START_LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index < 0 ? START_LATENCY_BOUNDS_MS.length - 1 : index;
}

/**
 * Gathers a worker's counts in memory and writes them once a second in one pipeline (a
 * count per task must not cost a round trip per task). Counts gathered when the process dies
 * are lost: at most a second of a chart.
 */
export class PoolRollups {
  /** Per hash key, the increments of its fields. */
  private readonly writes: BatchedPipeline<Map<string, Map<string, number>>>;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    onError: (err: unknown) => void,
  ) {
    this.writes = new BatchedPipeline(
      redis,
      FLUSH_AFTER_MS,
      () => new Map<string, Map<string, number>>(),
      (pipeline, batch) => {
        for (const [key, fields] of batch) {
          for (const [field, by] of fields) pipeline.hincrby(key, field, by);
          pipeline.expire(key, KEEP_SECONDS);
        }
      },
      onError,
    );
  }

  count(pool: PoolName, counter: Exclude<PoolCounter, 'started'>, at = Date.now()): void {
    this.increment(pool, at, counter);
  }

  /** An attempt started; `latencyMs` (submit→start) for a first attempt only. */
  started(pool: PoolName, latencyMs: number | undefined, at = Date.now()): void {
    this.increment(pool, at, 'started');
    if (latencyMs !== undefined) this.increment(pool, at, latencyField(latencyBucket(latencyMs)));
  }

  /** Writes what is gathered now; resolves once it (and any write before it) is done. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  private increment(pool: PoolName, at: number, field: string): void {
    const pending = this.writes.gathering;
    const key = keyOf(this.prefix, pool, Math.floor(at / MINUTE_MS));
    let fields = pending.get(key);
    if (!fields) pending.set(key, (fields = new Map<string, number>()));
    fields.set(field, (fields.get(field) ?? 0) + 1);
  }
}

/**
 * The last `minutes` whole and current minutes of each pool, oldest first: one pipeline of
 * pools × minutes reads, whatever the number of tasks.
 */
export async function readPoolHistory(
  redis: RedisClient,
  prefix: string,
  pools: readonly PoolName[],
  minutes: number,
  now = Date.now(),
): Promise<PoolHistoryView> {
  const window = recentBuckets(minutes, MINUTE_MS, now);
  const hashes = await readHashes(
    redis,
    pools.flatMap((pool) => window.map((minute) => keyOf(prefix, pool, minute))),
  );
  return {
    pools: pools.map((pool, p) => ({
      pool,
      minutes: window.map((minute, m) => minuteView(minute, hashes[p * minutes + m] ?? {})),
    })),
  };
}

function minuteView(minute: number, fields: Record<string, string>): PoolMinuteView {
  const count = (field: string) => Number(fields[field] ?? 0);
  const [started, completed, failed, retried] = COUNTERS.map(count) as [
    number,
    number,
    number,
    number,
  ];
  const buckets = START_LATENCY_BOUNDS_MS.map((_, bucket) => count(latencyField(bucket)));
  return {
    at: new Date(minute * MINUTE_MS).toISOString(),
    started,
    completed,
    failed,
    retried,
    startLatencyMs: latencyPercentiles(buckets),
  };
}

/** p50/p95/p99 of a latency histogram, each as the upper bound of the bucket holding it. */
export function latencyPercentiles(buckets: readonly number[]): StartLatencyView {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  const at = (quantile: number): number | null => {
    if (total === 0) return null;
    const rank = Math.ceil(quantile * total);
    let seen = 0;
    for (const [bucket, n] of buckets.entries()) {
      seen += n;
      if (seen >= rank) return START_LATENCY_BOUNDS_MS[bucket] ?? null;
    }
    return null;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
