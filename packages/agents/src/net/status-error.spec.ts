import { RateLimitedError, TransientError } from '../errors.js';
import { parseRetryAfter, retryableStatusError } from './status-error.js';

describe(parseRetryAfter.name, () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe(retryableStatusError.name, () => {
  it('maps 429 and 503 with Retry-After to a rate limit, other 5xx to transient', () => {
    expect(retryableStatusError(429, '3', 'x')).toMatchObject({
      constructor: RateLimitedError,
      retryAfterMs: 3000,
    });
    expect(retryableStatusError(429, null, 'x')).toMatchObject({ retryAfterMs: 1000 });
    expect(retryableStatusError(503, '1', 'x')).toBeInstanceOf(RateLimitedError);
    expect(retryableStatusError(503, null, 'x')).toBeInstanceOf(TransientError);
    expect(retryableStatusError(500, null, 'x')).toBeInstanceOf(TransientError);
    expect(retryableStatusError(404, null, 'x')).toBeUndefined();
  });
});
