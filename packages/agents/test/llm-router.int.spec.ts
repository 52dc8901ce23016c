import type { ServerResponse } from 'node:http';
import { InvalidInputError, TransientError } from '../src/errors.js';
import { createLlm } from '../src/llm/create-llm.js';
import type { LlmConfig } from '../src/llm/llm-client.js';
import { completion, json, startFakeOpenAi, stream } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const redis = testRedis('llm-router');
const prefixes: string[] = [];
let primary: Awaited<ReturnType<typeof startFakeOpenAi>>;
let azure: Awaited<ReturnType<typeof startFakeOpenAi>>;

beforeAll(async () => {
  [primary, azure] = await Promise.all([startFakeOpenAi(), startFakeOpenAi()]);
});

afterAll(async () => {
  await Promise.all([primary.close(), azure.close()]);
  for (const prefix of prefixes) await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

const ok = (content: string) => (_: unknown, res: ServerResponse) =>
  json(res, 200, completion(content));
const fail =
  (status: number, error: Record<string, unknown> = { message: 'boom' }) =>
  (_: unknown, res: ServerResponse) =>
    json(res, status, { error });

/** Two providers as a deployment configures them; a Redis prefix (circuits) of their own. */
function router(config: Partial<LlmConfig> = {}) {
  const prefix = uniquePrefix('router');
  prefixes.push(prefix);
  return createLlm(
    {
      baseUrl: primary.baseUrl,
      apiKey: 'sk-primary',
      model: 'small',
      breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 },
      providers: {
        azure: {
          baseUrl: azure.baseUrl,
          apiKey: 'azure-key',
          apiKeyHeader: 'api-key',
          query: { 'api-version': '2024-10-21' },
          models: ['gpt-4o'],
          prices: { 'gpt-4o': { input: 1, output: 1 } },
        },
      },
      fallbacks: { small: ['azure/gpt-4o'] },
      ...config,
    },
    { redis, prefix },
  );
}

const signal = new AbortController().signal;
const ask = (llm: ReturnType<typeof router>, model?: string) =>
  llm.chat(
    { messages: [{ role: 'user', content: 'Hi' }], ...(model ? { model } : {}) },
    { signal },
  );

describe('several LLM providers', () => {
  it("routes a model to the provider that lists it, with that provider's key, headers and query", async () => {
    azure.answer(ok('from azure'));
    const answer = await ask(router(), 'gpt-4o');
    expect(answer).toMatchObject({ provider: 'azure', message: { content: 'from azure' } });
    expect(answer.costUsd).toBeCloseTo(17 / 1e6);
    const { url, headers } = azure.received.at(-1) ?? { url: '', headers: {} };
    expect(url).toBe('/v1/chat/completions?api-version=2024-10-21');
    expect(headers['api-key']).toBe('azure-key');
    expect(headers.authorization).toBeUndefined();
  });

  it('takes provider/model as given, and the default provider for other models', async () => {
    azure.answer(ok('azure'));
    primary.answer(ok('primary'));
    const llm = router();
    await expect(ask(llm, 'azure/gpt-4o-mini')).resolves.toMatchObject({ provider: 'azure' });
    expect(azure.requests.at(-1)).toMatchObject({ model: 'gpt-4o-mini' });
    await expect(ask(llm, 'meta-llama/llama-3')).resolves.toMatchObject({ provider: 'default' });
    expect(primary.requests.at(-1)).toMatchObject({ model: 'meta-llama/llama-3' });
    expect(primary.received.at(-1)?.headers.authorization).toBe('Bearer sk-primary');
  });

  it('falls over to the next provider when one fails, and says so in the result', async () => {
    primary.answer(fail(500));
    azure.answer(ok('backup'));
    const llm = router();
    const answer = await ask(llm);
    expect(answer).toMatchObject({
      provider: 'azure',
      model: 'test-model',
      message: { content: 'backup' },
      fallbacks: [{ provider: 'default', model: 'small', code: 'TRANSIENT' }],
    });
    // The primary's circuit is now open: the next call goes straight to the fallback.
    const calls = primary.requests.length;
    await expect(ask(llm)).resolves.toMatchObject({
      provider: 'azure',
      fallbacks: [{ provider: 'default', code: 'PROVIDER_RATE_LIMITED' }],
    });
    expect(primary.requests.length).toBe(calls);
  });

  it('falls over on an exhausted quota, but not on a bad request', async () => {
    azure.answer(ok('backup'));
    primary.answer(fail(429, { message: 'quota', code: 'insufficient_quota' }));
    await expect(ask(router())).resolves.toMatchObject({
      fallbacks: [{ code: 'PROVIDER_QUOTA_EXHAUSTED' }],
    });
    primary.answer(fail(400, { message: 'bad messages' }));
    await expect(ask(router())).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('does not fall over once text was streamed: it would be repeated', async () => {
    primary.answer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'par' } }] })}\n\n`,
      );
      res.write('data: {"choices": [tru\n\n');
      res.end();
    });
    azure.answer((_, res) => stream(res, ['whole']));
    const deltas: string[] = [];
    const failure = router().chat(
      { messages: [{ role: 'user', content: 'Hi' }], stream: true },
      { signal, onDelta: (text) => deltas.push(text) },
    );
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    expect(deltas).toEqual(['par']);
  });
});
