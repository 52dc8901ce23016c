import type { BackoffStrategy } from 'bullmq';
import type { Backoff } from '@agentq/contracts';

/**
 * agentq's own BullMQ backoff types. BullMQ's built-in `exponential` has no upper bound,
 * so tasks use these names and every worker computes the delay with
 * {@link createBackoffStrategy} (Worker `settings.backoffStrategy`), which applies the
 * worker's base (when the task sets none) and cap, with full jitter.
 */
export const BACKOFF_TYPE = {
  exponential: 'agentq-exponential',
  fixed: 'agentq-fixed',
} as const satisfies Record<Backoff['type'], string>;

export interface BackoffLimits {
  /** First delay (exponential) or every delay (fixed) of a task that sets none. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
}

/**
 * The largest delay before retry `attemptsMade` (1 after the first failure): base × 2^(n-1)
 * (exponential) or base (fixed), never above the cap. Unknown types count as exponential.
 */
export function backoffCeilingMs(
  attemptsMade: number,
  type: string | undefined,
  baseMs: number,
  capMs: number,
): number {
  const exponent = type === BACKOFF_TYPE.fixed ? 0 : Math.max(0, attemptsMade - 1);
  // 2^exponent overflows to Infinity for large exponents; the cap bounds it either way.
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/**
 * BullMQ backoff strategy with full jitter: a delay drawn uniformly from [0, ceiling], so
 * tasks that failed together (a provider outage) do not retry together.
 */
export function createBackoffStrategy(
  limits: BackoffLimits,
  random: () => number = Math.random,
): BackoffStrategy {
  return (attemptsMade, type, _err, job) => {
    const baseMs =
      job?.opts.backoff && typeof job.opts.backoff === 'object'
        ? job.opts.backoff.delay
        : undefined;
    const ceiling = backoffCeilingMs(attemptsMade, type, baseMs ?? limits.baseMs, limits.capMs);
    return Math.floor(random() * (ceiling + 1));
  };
}
