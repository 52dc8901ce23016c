import { Registry } from 'prom-client';
import { llmChatAgent, LlmChatInputSchema } from '../src/builtin/llm-chat.agent.js';
import { InvalidInputError, RateLimitedError, TransientError } from '../src/errors.js';
import { LlmService, type LlmConfig } from '../src/llm/llm-client.js';
import { createTestContext } from '../src/testing/test-context.js';
import { completion, json, startFakeOpenAi, stream } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('llm');
const redis = testRedis('llm');
let server: Awaited<ReturnType<typeof startFakeOpenAi>>;

beforeAll(async () => {
  server = await startFakeOpenAi();
});

afterAll(async () => {
  await server.close();
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

// The circuit is shared by every client of the provider under a prefix: here it must not
// open because earlier tests saw failures (its own tests are in llm-breaker.int.spec.ts).
const NEVER_OPENS = { consecutiveFailures: 1_000_000 };

function service(config: Partial<LlmConfig> = {}, metrics?: Registry) {
  return new LlmService(
    {
      baseUrl: server.baseUrl,
      apiKey: 'sk-test',
      model: 'test-model',
      breaker: NEVER_OPENS,
      ...config,
    },
    { redis, prefix, metrics },
  );
}

function run(input: unknown, llm = service()) {
  const ctx = createTestContext({ llm });
  return { ctx, result: llmChatAgent.run(LlmChatInputSchema.parse(input), ctx) };
}

describe('llm.chat', () => {
  it('answers a role preset and prompt with the message, finish reason, usage and cost', async () => {
    server.answer((_, res) => json(res, 200, completion('Looks good.')));
    const registry = new Registry();
    const llm = service({ prices: { 'test-model': { input: 2, output: 10 } } }, registry);

    const answer = await run({ role: 'reviewer', prompt: 'Review this' }, llm).result;

    expect(answer).toEqual({
      model: 'test-model',
      message: { role: 'assistant', content: 'Looks good.' },
      finishReason: 'stop',
      usage: { inputTokens: 12, outputTokens: 5 },
      costUsd: (12 * 2 + 5 * 10) / 1e6,
    });
    const sent = server.requests.at(-1) as { messages: Array<{ role: string }>; model: string };
    expect(sent.messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(sent.model).toBe('test-model');
    const metrics = await registry.getMetricsAsJSON();
    const tokens = metrics.find((metric) => metric.name === 'agentq_llm_tokens_total');
    expect(tokens?.values).toEqual(
      expect.arrayContaining([
        { labels: { model: 'test-model', direction: 'input' }, value: 12 },
        { labels: { model: 'test-model', direction: 'output' }, value: 5 },
      ]),
    );
    const cost = metrics.find((metric) => metric.name === 'agentq_llm_cost_usd_total');
    expect(cost?.values[0]?.value).toBeCloseTo(74e-6);
  });

  it('streams the answer into progress, in fewer writes than tokens', async () => {
    const pieces = Array.from({ length: 200 }, (_, index) => `w${index} `);
    server.answer((_, res) => stream(res, pieces));
    const { ctx, result } = run({ prompt: 'Tell me', stream: true });

    const answer = await result;

    expect(answer.message.content).toBe(pieces.join(''));
    expect(answer.usage).toEqual({ inputTokens: 9, outputTokens: 200 });
    expect(ctx.progressUpdates.at(-1)).toEqual({ text: pieces.join('') });
    expect(ctx.progressUpdates.length).toBeLessThan(pieces.length / 10);
    expect(server.requests.at(-1)).toMatchObject({ stream: true });
  });

  it('fails a stream with a malformed chunk or an error event as transient', async () => {
    server.answer((_, res) =>
      res.writeHead(200, { 'content-type': 'text/event-stream' }).end('data: {"choices": [\n\n'),
    );
    await expect(run({ prompt: 'Hi', stream: true }).result).rejects.toThrow(
      'malformed JSON in its stream chunk',
    );
    server.answer((_, res) =>
      res
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .end('data: {"error": {"message": "overloaded"}}\n\n'),
    );
    const failure = run({ prompt: 'Hi', stream: true }).result;
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow('overloaded');
  });

  it('accepts a JSON answer to a streaming request and estimates missing usage', async () => {
    server.answer((_, res) =>
      json(res, 200, { choices: [{ message: { content: 'abcdefgh' }, finish_reason: 'stop' }] }),
    );
    const answer = await run({ prompt: 'Hi', stream: true }).result;
    expect(answer.message.content).toBe('abcdefgh');
    expect(answer.usage).toMatchObject({ outputTokens: 2, estimated: true });
  });

  it('turns a 429 with Retry-After into a rate-limit delay that holds every worker', async () => {
    server.answer((_, res) =>
      json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '7' }),
    );
    const failure = run({ prompt: 'Hi' }, service({ model: 'busy-model' })).result;
    await expect(failure).rejects.toBeInstanceOf(RateLimitedError);
    await expect(failure).rejects.toMatchObject({ retryAfterMs: 7000 });

    // Another worker's client: held for what is left of the 7 s, without calling.
    server.answer((_, res) => json(res, 200, completion('ok')));
    const sent = server.requests.length;
    const held = run({ prompt: 'Hi' }, service({ model: 'busy-model' })).result;
    await expect(held).rejects.toBeInstanceOf(RateLimitedError);
    const { retryAfterMs } = (await held.catch((error: unknown) => error)) as RateLimitedError;
    expect(retryAfterMs).toBeGreaterThan(5000);
    expect(retryAfterMs).toBeLessThanOrEqual(7000);
    expect(server.requests).toHaveLength(sent);
    // Only that model waits.
    await expect(
      run({ prompt: 'Hi' }, service({ model: 'idle-model' })).result,
    ).resolves.toMatchObject({
      message: { content: 'ok' },
    });
  });

  it('reports a bad request as invalid input with the provider message', async () => {
    server.answer((_, res) => json(res, 400, { error: { message: 'model not found' } }));
    const failure = run({ prompt: 'Hi' }).result;
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow('model not found');
  });

  it('reports malformed JSON as a clear transient error', async () => {
    server.answer((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [tru'),
    );
    const failure = run({ prompt: 'Hi' }).result;
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow('malformed JSON');
  });

  it('aborts the request when the task signal aborts', async () => {
    server.answer(() => undefined); // never answers
    const controller = new AbortController();
    const llm = service();
    const pending = llmChatAgent.run(
      LlmChatInputSchema.parse({ prompt: 'Hi' }),
      createTestContext({ llm, signal: controller.signal }),
    );
    controller.abort(new Error('cancelled by test'));
    await expect(pending).rejects.toThrow('cancelled by test');
  });

  it('fails a provider that does not answer in time as transient', async () => {
    server.answer(() => undefined); // never answers
    const failure = run({ prompt: 'Hi' }, service({ timeoutMs: 100 })).result;
    await expect(failure).rejects.toBeInstanceOf(TransientError);
    await expect(failure).rejects.toThrow('did not answer within 100 ms');
  });

  it('rejects an unknown role preset and accepts one added by config', async () => {
    server.answer((_, res) => json(res, 200, completion('ok')));
    await expect(run({ role: 'poet', prompt: 'Hi' }).result).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const llm = service({ presets: { poet: 'Answer in verse.' } });
    await run({ role: 'poet', prompt: 'Hi' }, llm).result;
    expect(server.requests.at(-1)).toMatchObject({
      messages: [{ role: 'system', content: 'Answer in verse.' }, { role: 'user' }],
    });
  });
});

describe('shared provider rate limits', () => {
  beforeEach(() => server.answer((_, res) => json(res, 200, completion('ok'))));

  it('lets one second of the per-minute request limit through at once, then paces', async () => {
    const llm = service({ model: 'rpm-model', limits: { requestsPerMinute: 120 } });
    // 120 per minute: a burst of 2, then one every 60 s / 118.
    await run({ prompt: 'one' }, llm).result;
    await run({ prompt: 'two' }, llm).result;
    const third = run({ prompt: 'three' }, llm).result;
    await expect(third).rejects.toMatchObject({ reason: 'rpm-tpm-budget' });
    const { retryAfterMs } = (await third.catch((error: unknown) => error)) as RateLimitedError;
    // At most the time one request takes to refill (less as time passes on a slow machine).
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(Math.ceil(60_000 / 118));
  });

  it('reserves the estimate and settles the real token count', async () => {
    // A burst of 1,000 tokens and a 602-token estimate each: without settling to the real
    // 17 tokens the second would not fit.
    const llm = service({
      model: 'tpm-model',
      maxTokens: 600,
      limits: { tokensPerMinute: 60_000 },
    });
    await run({ prompt: 'one' }, llm).result;
    await run({ prompt: 'two' }, llm).result;

    server.answer((_, res) =>
      json(res, 200, completion('long', { prompt_tokens: 5, completion_tokens: 2000 })),
    );
    await run({ prompt: 'big' }, llm).result;
    await expect(run({ prompt: 'after' }, llm).result).rejects.toBeInstanceOf(RateLimitedError);
  });

  it("holds a limited model's calls while the provider's pause lasts, taking nothing", async () => {
    const limits = { requestsPerMinute: 1 };
    server.answer((_, res) =>
      json(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '5' }),
    );
    await expect(
      run({ prompt: 'one' }, service({ model: 'paused-model', limits })).result,
    ).rejects.toMatchObject({ retryAfterMs: 5000 });
    const held = run({ prompt: 'two' }, service({ model: 'paused-model', limits })).result;
    // The pause answers (up to 5 s), not the empty bucket (up to 60 s).
    await expect(held).rejects.toBeInstanceOf(RateLimitedError);
    const { retryAfterMs } = (await held.catch((error: unknown) => error)) as RateLimitedError;
    expect(retryAfterMs).toBeLessThanOrEqual(5000);
  });

  it('shares the budget between clients (workers) of the same provider and model', async () => {
    const first = service({ model: 'shared-model', limits: { requestsPerMinute: 1 } });
    const second = service({ model: 'shared-model', limits: { requestsPerMinute: 1 } });
    await run({ prompt: 'one' }, first).result;
    await expect(run({ prompt: 'two' }, second).result).rejects.toBeInstanceOf(RateLimitedError);
  });
});
