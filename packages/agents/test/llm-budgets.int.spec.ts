import { createLlm } from '../src/llm/create-llm.js';
import { readLlmBudgets } from '../src/llm/llm-budgets.js';
import { RateLimiter, budgetIndexKey, budgetKey } from '../src/llm/rate-limiter.js';
import { completion, json, startFakeOpenAi } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('budgets');
const redis = testRedis('budgets');
const limiter = new RateLimiter(redis, prefix);

afterAll(async () => {
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

const budgetOf = async (provider: string, model: string) =>
  (await readLlmBudgets(redis, prefix, 1)).find(
    (budget) => budget.provider === provider && budget.model === model,
  );

describe(readLlmBudgets.name, () => {
  it('reads the limits a call was taken under and what the last minute took of them', async () => {
    const limits = { requestsPerMinute: 600, tokensPerMinute: 60_000 };
    const calls = await Promise.all([1, 2, 3].map(() => limiter.reserve('p', 'm', 100, limits)));
    // The first call used 40 tokens, the second 100 (as estimated), the third 160.
    await Promise.all(calls.map((call, i) => call.settle([40, 100, 160][i] ?? 0)));

    const budget = await budgetOf('p', 'm');
    expect(budget).toMatchObject({
      requests: { limit: 600, lastMinute: 3 },
      tokens: { limit: 60_000 },
    });
    // The window slides: a minute boundary passed since the calls lowers the counts a little.
    expect(budget?.tokens.lastMinute).toBeGreaterThanOrEqual(295);
    expect(budget?.tokens.lastMinute).toBeLessThanOrEqual(300);
    // Buckets of one second's worth (10 requests, 1000 tokens), less what was just taken.
    expect(budget?.requests.available).toBeGreaterThanOrEqual(7);
    expect(budget?.requests.available).toBeLessThanOrEqual(10);
    expect(budget?.tokens.available).toBeGreaterThanOrEqual(700);
    expect(budget?.tokens.available).toBeLessThanOrEqual(1000);
    expect(Date.parse(budget?.lastCallAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('counts the calls of a model without limits, and says it has none', async () => {
    await limiter.reserve('p', 'free', 500, {});
    await limiter.reserve('p', 'free', 500, { requestsPerMinute: 0 });
    expect(await budgetOf('p', 'free')).toMatchObject({
      requests: { limit: null, lastMinute: 2, available: null },
      tokens: { limit: null, lastMinute: null, available: null },
    });
  });

  it('does not count a call the budget held back', async () => {
    const limits = { requestsPerMinute: 60 };
    await limiter.reserve('p', 'tight', 1, limits);
    await expect(limiter.reserve('p', 'tight', 1, limits)).rejects.toMatchObject({
      reason: 'rpm-tpm-budget',
    });
    expect(await budgetOf('p', 'tight')).toMatchObject({
      requests: { limit: 60, lastMinute: 1 },
    });
  });

  it("keeps the previous minute's count in the window for the part of it still covered", async () => {
    await limiter.reserve('p', 'aging', 10, { tokensPerMinute: 6000 });
    const key = budgetKey(prefix, 'p', 'aging');
    const minute = Number(await redis.hget(key, 'min'));
    // As if the call had been a minute earlier: it now counts for what is left of that minute.
    await redis.hset(key, 'min', minute - 1);
    const aged = await budgetOf('p', 'aging');
    expect(aged?.requests.lastMinute).toBeLessThanOrEqual(1);
    expect(aged?.tokens.lastMinute).toBeLessThanOrEqual(10);
    // Two minutes earlier: out of the window.
    await redis.hset(key, 'min', minute - 2);
    expect(await budgetOf('p', 'aging')).toMatchObject({
      requests: { lastMinute: 0 },
      tokens: { limit: 6000, lastMinute: 0 },
    });
  });

  it('lists the budgets called in the window only, and skips those gone since', async () => {
    await limiter.reserve('q', 'old', 1, {});
    await limiter.reserve('q', 'gone', 1, {});
    await redis.zadd(
      budgetIndexKey(prefix),
      Date.now() - 2 * 3_600_000,
      JSON.stringify(['q', 'old']),
    );
    await redis.del(budgetKey(prefix, 'q', 'gone'));
    const inTheHour = await readLlmBudgets(redis, prefix, 1);
    expect(inTheHour.filter((budget) => budget.provider === 'q')).toEqual([]);
    const inThreeHours = await readLlmBudgets(redis, prefix, 3);
    expect(inThreeHours.filter((budget) => budget.provider === 'q').map((b) => b.model)).toEqual([
      'old',
    ]);
  });

  it('publishes a call of the one configured provider as `default`, as its use is recorded', async () => {
    const server = await startFakeOpenAi();
    try {
      server.answer((_, res) =>
        json(res, 200, completion('hi', { prompt_tokens: 12, completion_tokens: 5 })),
      );
      const llm = createLlm(
        { baseUrl: server.baseUrl, model: 'small', limits: { tokensPerMinute: 60_000 } },
        { redis, prefix },
      );
      const signal = new AbortController().signal;
      await llm.chat({ messages: [{ role: 'user', content: 'Hi' }], maxTokens: 100 }, { signal });
      expect(await budgetOf('default', 'small')).toMatchObject({
        requests: { limit: null, lastMinute: 1 },
        tokens: { limit: 60_000, lastMinute: 17 },
      });
    } finally {
      await server.close();
    }
  });

  it('answers nothing, in one call, when no budget was used', async () => {
    await expect(readLlmBudgets(redis, `${prefix}-empty`, 24)).resolves.toEqual([]);
  });
});
