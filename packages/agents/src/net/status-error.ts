import { RateLimitedError, TransientError, type AgentError } from '../errors.js';

/** Used when a 429 names no delay. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** Milliseconds from a Retry-After header (seconds or an HTTP date); undefined if absent or bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The retryable meaning of an HTTP status: 429 (and 503 with Retry-After) is a rate limit
 * (wait, no attempt used), other 5xx are transient; anything else is undefined (the caller
 * decides).
 */
export function retryableStatusError(
  status: number,
  retryAfter: string | null | undefined,
  what: string,
): AgentError | undefined {
  const delayMs = parseRetryAfter(retryAfter);
  if (status === 429 || (status === 503 && delayMs !== undefined)) {
    return new RateLimitedError(
      `${what} answered ${status}, retry after ${delayMs ?? DEFAULT_RETRY_AFTER_MS} ms`,
      delayMs ?? DEFAULT_RETRY_AFTER_MS,
      { reason: 'provider-429' },
    );
  }
  if (status >= 500) return new TransientError(`${what} answered ${status}`);
  return undefined;
}
