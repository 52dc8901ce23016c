import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { BudgetExceededError, InvalidInputError } from '../src/errors.js';
import { TenantUsage, readUsageHistory } from '../src/llm/tenant-usage.js';
import { createAgentServices, type AgentServices } from '../src/services.js';
import { completion, json, startFakeOpenAi } from '../src/testing/fake-openai-server.js';
import { deleteKeysByPrefix, testRedis, uniquePrefix } from './redis-test-env.js';

const prefix = uniquePrefix('tenant-llm');
const redis = testRedis('tenant-llm');
const metrics = new Registry();
let server: Awaited<ReturnType<typeof startFakeOpenAi>>;
let services: AgentServices;

beforeAll(async () => {
  server = await startFakeOpenAi();
  // 12 + 5 tokens a call.
  server.answer((_, res) => json(res, 200, completion('ok')));
  services = createAgentServices({
    redis,
    prefix,
    llm: {
      baseUrl: server.baseUrl,
      model: 'small',
      prices: { small: { input: 1_000, output: 1_000 } },
    },
    metrics,
    tenants: { acme: { llm: { models: ['small'], tokensPerDay: 30 } } },
  });
});

afterAll(async () => {
  await services.close();
  await server.close();
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

const signal = new AbortController().signal;
const hello = (model?: string) => ({
  messages: [{ role: 'user' as const, content: 'hello' }],
  ...(model ? { model } : {}),
});

describe("a tenant's ctx.llm", () => {
  it('refuses a model outside the allowlist before calling the provider', async () => {
    const calls = server.requests.length;
    const llm = services.forTask({ tenant: 'acme' }).llm;
    await expect(llm.chat(hello('big'), { signal })).rejects.toThrow(
      new InvalidInputError('model "big" is not allowed for tenant "acme" (allowed: small)'),
    );
    expect(server.requests.length).toBe(calls);
  });

  it("counts each call's tokens and cost and refuses calls once the budget is used", async () => {
    const llm = services.forTask({ tenant: 'acme' }).llm;
    await llm.chat(hello(), { signal });
    await llm.chat(hello(), { signal });
    const used = await new TenantUsage(redis, prefix).read('acme');
    expect(used.day).toEqual({ tokens: 34, costUsd: 0.034 });
    const calls = server.requests.length;

    const refused = llm.chat(hello(), { signal });
    await expect(refused).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(refused).rejects.toThrow(/used its LLM budget for the day \(34 tokens of 30/);
    expect(server.requests.length).toBe(calls);
  });

  it('labels metrics with configured tenants only', async () => {
    await services.forTask({ tenant: 'someone-else' }).llm.chat(hello(), { signal });
    const tokens = await metrics.getSingleMetric('agentq_llm_tenant_tokens_total')?.get();
    expect(tokens?.values).toEqual(
      expect.arrayContaining([
        { labels: { tenant: 'acme' }, value: 34 },
        { labels: { tenant: 'other' }, value: 17 },
      ]),
    );
  });

  it('keeps the use per hour by tenant, provider and model, for the console', async () => {
    const [hour] = await readUsageHistory(redis, prefix, 1);
    expect(Date.now() - Date.parse(hour?.at ?? '')).toBeLessThan(3_600_000);
    expect(hour?.usage).toEqual(
      expect.arrayContaining([
        {
          tenant: 'acme',
          provider: 'default',
          model: 'small',
          calls: 2,
          tokens: 34,
          costUsd: 0.034,
        },
        expect.objectContaining({ tenant: 'someone-else', calls: 1, tokens: 17 }),
      ]),
    );
    const [own] = await readUsageHistory(redis, prefix, 1, { tenant: 'acme' });
    expect(own?.usage.map((use) => use.tenant)).toEqual(['acme']);
    const hours = await readUsageHistory(redis, prefix, 3);
    expect(hours.map((each) => each.usage.length)).toEqual([0, 0, 2]);
  });

  it('makes a GenAI span of each call, with its models, tokens and finish reason', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    try {
      await services.forTask({ tenant: 'someone-else' }).llm.chat(hello(), { signal });
      const refused = services.forTask({ tenant: 'acme' }).llm.chat(hello('big'), { signal });
      await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
      const [span, ...others] = exporter.getFinishedSpans();
      // A call refused before it reached a provider made no span.
      expect(others).toEqual([]);
      expect(span?.name).toBe('chat small');
      expect(span?.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'small',
        'agentq.llm.streaming': false,
        'agentq.llm.provider': 'default',
        'gen_ai.response.model': 'test-model',
        'gen_ai.usage.input_tokens': 12,
        'gen_ai.usage.output_tokens': 5,
        'gen_ai.response.finish_reasons': ['stop'],
      });
    } finally {
      trace.disable();
    }
  });
});
