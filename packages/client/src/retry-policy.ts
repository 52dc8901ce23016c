/** How a call is retried. Every call's retries stop at its deadline. */
export interface RetryOptions {
  /**
   * Tries of one call, the first included.
   * @defaultValue 5
   */
  maxAttempts: number;
  /**
   * Cap of the first backoff; each further one doubles, up to `maxDelayMs`.
   * @defaultValue 200
   */
  baseDelayMs: number;
  /**
   * Cap of any one backoff.
   * @defaultValue 10000
   */
  maxDelayMs: number;
  /**
   * Time one call may take with all its tries and waits; `?wait=` calls get their wait on top.
   * @defaultValue 60000
   */
  deadlineMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryOptions> = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  deadlineMs: 60_000,
};

/**
 * The wait before try `attempt + 1`: exponential backoff with full jitter (uniform in
 * [0, cap]), so clients that failed together do not come back together.
 */
export function backoffDelayMs(
  attempt: number,
  policy: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}
