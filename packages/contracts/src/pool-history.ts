import { z } from 'zod';
import { PoolNameSchema } from './pool.js';

/**
 * `GET /v1/pools/history`: each pool's last minutes, for charts that need no Prometheus.
 * Workers keep per-minute rollups in Redis for {@link POOL_HISTORY_MAX_MINUTES} minutes.
 */

/** The longest history kept and answered, in minutes. */
export const POOL_HISTORY_MAX_MINUTES = 120;

export const PoolHistoryQuerySchema = z.strictObject({
  minutes: z.coerce.number().int().min(1).max(POOL_HISTORY_MAX_MINUTES).default(60),
});
export type PoolHistoryQuery = z.infer<typeof PoolHistoryQuerySchema>;

/**
 * Submit→start latency of the first attempts that started in a minute, each percentile as the
 * upper bound (ms) of the latency bucket holding it; null when none started.
 */
export const StartLatencyViewSchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export type StartLatencyView = z.infer<typeof StartLatencyViewSchema>;

/** One minute of a pool. */
export const PoolMinuteViewSchema = z.object({
  /** The minute's start (ISO 8601, UTC). */
  at: z.string(),
  /** Attempts that started. */
  started: z.number().int(),
  completed: z.number().int(),
  /** Tasks that failed for good (after their last attempt, or cancelled). */
  failed: z.number().int(),
  /** Failed attempts that will run again. */
  retried: z.number().int(),
  startLatencyMs: StartLatencyViewSchema,
});
export type PoolMinuteView = z.infer<typeof PoolMinuteViewSchema>;

/** Per pool, every minute of the window, oldest first (zeros where nothing happened). */
export const PoolHistoryViewSchema = z.object({
  pools: z.array(z.object({ pool: PoolNameSchema, minutes: z.array(PoolMinuteViewSchema) })),
});
export type PoolHistoryView = z.infer<typeof PoolHistoryViewSchema>;
