import { z } from 'zod';
import type { PoolName } from './pool.js';

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

/** Submit→start latency of the tasks that started in a minute (first attempts only). */
export interface StartLatencyView {
  /** Upper bound of the latency bucket holding that rank, in ms; null when none started. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One minute of a pool. */
export interface PoolMinuteView {
  /** The minute's start (ISO 8601, UTC). */
  at: string;
  /** Attempts that started. */
  started: number;
  completed: number;
  /** Tasks that failed for good (after their last attempt, or cancelled). */
  failed: number;
  /** Failed attempts that will run again. */
  retried: number;
  startLatencyMs: StartLatencyView;
}

export interface PoolHistoryView {
  /** Per pool, every minute of the window, oldest first (zeros where nothing happened). */
  pools: { pool: PoolName; minutes: PoolMinuteView[] }[];
}
