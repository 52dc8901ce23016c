import type { ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import {
  InvalidInputError,
  QuotaExhaustedError,
  RateLimitedError,
  TransientError,
} from '../src/errors.js';
import { LlmService, type LlmConfig } from '../src/llm/llm-client.js';
import { completion, json, startFakeOpenAi } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const redis = testRedis('llm-breaker');
const prefixes: string[] = [];
let server: Awaited<ReturnType<typeof startFakeOpenAi>>;

beforeAll(async () => {
  server = await startFakeOpenAi();
});

afterAll(async () => {
  await server.close();
  for (const prefix of prefixes) await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

/** Clients of one provider as separate workers see it: same Redis prefix, own objects. */
function workers(count: number, config: Partial<LlmConfig> = {}, metrics?: Registry) {
  const prefix = uniquePrefix('breaker');
  prefixes.push(prefix);
  const make = () =>
    new LlmService(
      {
        baseUrl: server.baseUrl,
        model: 'test-model',
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
        ...config,
      },
      { redis, prefix, metrics },
    );
  const clients = Array.from({ length: count }, make);
  const breakerKey = `${prefix}:llm:breaker:${new URL(server.baseUrl).host}`;
  return {
    clients,
    /** As if the open time had passed (rather than waiting it out). */
    openTimePassed: () => redis.hset(breakerKey, 'openUntil', 0),
  };
}

const ask = (llm: LlmService) =>
  llm.chat(
    { messages: [{ role: 'user', content: 'Hi' }] },
    { signal: new AbortController().signal },
  );

const failWith500 = (_: unknown, res: ServerResponse) =>
  json(res, 500, { error: { message: 'boom' } });
const succeed = (_: unknown, res: ServerResponse) => json(res, 200, completion('ok'));

async function openTheCircuit(llm: LlmService) {
  server.answer(failWith500);
  for (let call = 0; call < 3; call++)
    await expect(ask(llm)).rejects.toBeInstanceOf(TransientError);
}

describe('calls at once', () => {
  it('holds a call while the provider has its limit of calls running, over every worker', async () => {
    const { clients } = workers(2, { maxConcurrency: 1 });
    const [first, second] = clients as [LlmService, LlmService];
    let finish = () => {};
    const reached = new Promise<void>((resolve) =>
      server.answer((_, res) => {
        finish = () => json(res, 200, completion('ok'));
        resolve();
      }),
    );
    const running = ask(first);
    await reached;

    await expect(ask(second)).rejects.toMatchObject({ reason: 'concurrency' });
    finish();
    await running;
    server.answer(succeed);
    await expect(ask(second)).resolves.toMatchObject({ message: { content: 'ok' } });
  });
});

describe('the provider circuit', () => {
  it('opens after failures in a row and then fails fast without calling, in every worker', async () => {
    const { clients } = workers(2);
    const [first, second] = clients as [LlmService, LlmService];
    await openTheCircuit(first);
    const calls = server.requests.length;

    // A worker that saw none of the failures holds its calls too.
    const refused = ask(second);
    await expect(refused).rejects.toMatchObject({ reason: 'circuit-open' });
    const { retryAfterMs } = (await refused.catch((error: unknown) => error)) as RateLimitedError;
    expect(retryAfterMs).toBeGreaterThan(50_000);
    await expect(ask(first)).rejects.toBeInstanceOf(RateLimitedError);
    expect(server.requests.length).toBe(calls);
  });

  it('closes again once the provider recovered: open, one trial call, closed', async () => {
    const { clients, openTimePassed } = workers(1);
    const [llm] = clients as [LlmService];
    await openTheCircuit(llm);
    await openTimePassed();
    server.answer(succeed);

    await expect(ask(llm)).resolves.toMatchObject({ message: { content: 'ok' } });
    // Closed: calls flow again without any wait.
    await expect(ask(llm)).resolves.toMatchObject({ message: { content: 'ok' } });
    await expect(ask(llm)).resolves.toMatchObject({ message: { content: 'ok' } });
  });

  it('opens again when the trial call fails', async () => {
    const { clients, openTimePassed } = workers(1);
    const [llm] = clients as [LlmService];
    await openTheCircuit(llm);
    await openTimePassed();

    await expect(ask(llm)).rejects.toBeInstanceOf(TransientError);
    const calls = server.requests.length;
    const refused = ask(llm);
    await expect(refused).rejects.toMatchObject({ reason: 'circuit-open' });
    expect(
      ((await refused.catch((error: unknown) => error)) as RateLimitedError).retryAfterMs,
    ).toBeGreaterThan(50_000);
    expect(server.requests.length).toBe(calls);
  });

  it('lets one trial call through for all workers, not one per worker', async () => {
    const { clients, openTimePassed } = workers(3);
    const [first, ...others] = clients as [LlmService, ...LlmService[]];
    await openTheCircuit(first);
    await openTimePassed();
    let release = () => {};
    const probeReached = new Promise<void>((resolve) =>
      server.answer((_, res) => {
        release = () => json(res, 200, completion('ok'));
        resolve();
      }),
    );
    const calls = server.requests.length;

    const trial = ask(first);
    await probeReached;
    for (const other of others) {
      await expect(ask(other)).rejects.toMatchObject({ reason: 'circuit-open' });
    }
    expect(server.requests.length).toBe(calls + 1);
    release();
    await expect(trial).resolves.toMatchObject({ message: { content: 'ok' } });
    server.answer(succeed);
    for (const other of others) await expect(ask(other)).resolves.toBeDefined();
  });

  it('holds calls when the provider refuses the key, saying what to check', async () => {
    const registry = new Registry();
    const { clients } = workers(1, {}, registry);
    const [llm] = clients as [LlmService];
    server.answer((_, res) => json(res, 401, { error: { message: 'Incorrect API key provided' } }));

    const held = ask(llm);
    await expect(held).rejects.toBeInstanceOf(RateLimitedError);
    await expect(held).rejects.toThrow(/Incorrect API key.*AGENTQ_LLM_API_KEY.*held/);
    const calls = server.requests.length;
    await expect(ask(llm)).rejects.toMatchObject({ reason: 'circuit-open' });
    expect(server.requests.length).toBe(calls);
    const state = await registry.getSingleMetric('agentq_llm_circuit_state')?.get();
    expect(state?.values).toEqual([
      expect.objectContaining({ labels: { provider: new URL(server.baseUrl).host }, value: 2 }),
    ]);
    const outcomes = await registry.getSingleMetricAsString('agentq_llm_requests_total');
    expect(outcomes).toContain('outcome="misconfigured"');
    const holds = await registry.getSingleMetricAsString('agentq_llm_held_total');
    expect(holds).toContain('reason="circuit-open"');
  });

  it('fails a task for good when the quota is exhausted, and an unknown model as its input', async () => {
    const { clients } = workers(1);
    const [llm] = clients as [LlmService];
    server.answer((_, res) =>
      json(res, 429, {
        error: {
          message: 'You exceeded your current quota',
          type: 'insufficient_quota',
          code: 'insufficient_quota',
        },
      }),
    );
    await expect(ask(llm)).rejects.toBeInstanceOf(QuotaExhaustedError);

    server.answer((_, res) =>
      json(res, 404, {
        error: { message: 'The model `x` does not exist', code: 'model_not_found' },
      }),
    );
    await expect(ask(llm)).rejects.toBeInstanceOf(InvalidInputError);
    // Neither says the provider is down.
    server.answer(succeed);
    await expect(ask(llm)).resolves.toBeDefined();
  });
});
