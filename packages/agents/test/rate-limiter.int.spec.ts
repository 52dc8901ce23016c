import { RateLimitedError } from '../src/errors.js';
import { RateLimiter, type RateLimits } from '../src/llm/rate-limiter.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('limiter');
const redis = testRedis('limiter');

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

/**
 * Calls the limiter as fast as it allows for one simulated minute: after each refusal the
 * bucket's clock is moved back by the wait, as if that time had passed. Returns how many
 * calls (and tokens) went through within the minute.
 */
async function oneMinuteOfCalls(model: string, limits: RateLimits, tokensPerCall: number) {
  const limiter = new RateLimiter(redis, prefix);
  const bucket = `${prefix}:llm:limit:provider:${model}`;
  // Real time passes too while the loop runs, and refills the bucket as well.
  const started = Date.now();
  let skippedMs = 0;
  let calls = 0;
  while (skippedMs + (Date.now() - started) < 60_000) {
    try {
      await limiter.reserve('provider', model, tokensPerCall, limits);
      calls += 1;
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      skippedMs += error.retryAfterMs;
      for (const field of ['req:ts', 'tok:ts']) {
        const ts = await redis.hget(bucket, field);
        if (ts !== null) await redis.hset(bucket, field, Number(ts) - error.retryAfterMs);
      }
    }
  }
  return { calls, tokens: calls * tokensPerCall };
}

describe(RateLimiter.name, () => {
  it.each([1, 2, 30, 600])('lets at most the limit through in any minute (RPM %i)', async (rpm) => {
    const { calls } = await oneMinuteOfCalls(`rpm-${rpm}`, { requestsPerMinute: rpm }, 1);
    expect(calls).toBeLessThanOrEqual(rpm);
    // ... and not much fewer: the limit is a rate, not a ceiling far below it.
    expect(calls).toBeGreaterThanOrEqual(Math.floor(rpm * 0.95));
  });

  it('lets one second of the budget go at once, not the whole minute', async () => {
    const limiter = new RateLimiter(redis, prefix);
    const limits = { requestsPerMinute: 30 };
    await limiter.reserve('provider', 'burst', 1, limits);
    const refused = limiter.reserve('provider', 'burst', 1, limits);
    await expect(refused).rejects.toMatchObject({ reason: 'rpm-tpm-budget' });
  });

  it('keeps tokens per minute within the limit plus the one call that overdraws it', async () => {
    const { tokens } = await oneMinuteOfCalls('tpm', { tokensPerMinute: 600 }, 100);
    expect(tokens).toBeLessThanOrEqual(600 + 100);
    expect(tokens).toBeGreaterThanOrEqual(500);
  });
});
