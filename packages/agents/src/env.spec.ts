import { z } from 'zod';
import {
  agentModulesEnvShape,
  httpEnvShape,
  httpPolicyFromEnv,
  llmConfigFromEnv,
  llmEnvShape,
} from './env.js';

const schema = z.object({ ...llmEnvShape, ...httpEnvShape, ...agentModulesEnvShape });

describe('agents env fragments', () => {
  it('has working defaults', () => {
    const env = schema.parse({});
    expect(llmConfigFromEnv(env)).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: undefined,
      model: 'gpt-4o-mini',
      limits: { requestsPerMinute: 0, tokensPerMinute: 0 },
    });
    expect(httpPolicyFromEnv(env)).toEqual({
      allowHosts: [],
      allowAddresses: [],
      maxResponseBytes: 1048576,
      timeoutMs: 10000,
    });
    expect(env.AGENTQ_AGENT_MODULES).toEqual([]);
  });

  it('reads more providers and fallbacks, and refuses a bad provider naming it', () => {
    const env = schema.parse({
      AGENTQ_LLM_PROVIDERS: JSON.stringify({
        azure: {
          baseUrl: 'https://acme.openai.azure.com/openai/deployments/gpt-4o',
          apiKey: 'k',
          apiKeyHeader: 'api-key',
          query: { 'api-version': '2024-10-21' },
          models: ['gpt-4o'],
          requestsPerMinute: 60,
        },
      }),
      AGENTQ_LLM_FALLBACKS: '{"gpt-4o": ["default/gpt-4o-mini"]}',
    });
    expect(llmConfigFromEnv(env)).toMatchObject({
      providers: { azure: { apiKeyHeader: 'api-key', limits: { requestsPerMinute: 60 } } },
      fallbacks: { 'gpt-4o': ['default/gpt-4o-mini'] },
    });
    const paths = (providers: unknown) =>
      schema
        .safeParse({ AGENTQ_LLM_PROVIDERS: JSON.stringify(providers) })
        .error?.issues.map((issue) => issue.path.join('.'));
    expect(paths({ default: { baseUrl: 'https://x' } })).toEqual(['AGENTQ_LLM_PROVIDERS.default']);
    expect(paths({ x: { baseUrl: 'ftp://x' } })).toEqual(['AGENTQ_LLM_PROVIDERS.x.baseUrl']);
  });

  it('reads lists and JSON tables', () => {
    const env = schema.parse({
      AGENTQ_HTTP_ALLOW: 'api.github.com, *.example.com',
      AGENTQ_AGENT_MODULES: './plugins/a.js,agentq-plugin-example',
      AGENTQ_LLM_PRICES: '{"gpt-4o-mini": {"input": 0.15, "output": 0.6}}',
      AGENTQ_LLM_PRESETS: '{"poet": "Answer in verse."}',
    });
    expect(env.AGENTQ_HTTP_ALLOW).toEqual(['api.github.com', '*.example.com']);
    expect(env.AGENTQ_AGENT_MODULES).toEqual(['./plugins/a.js', 'agentq-plugin-example']);
    expect(llmConfigFromEnv(env).prices).toEqual({ 'gpt-4o-mini': { input: 0.15, output: 0.6 } });
    expect(llmConfigFromEnv(env).presets).toEqual({ poet: 'Answer in verse.' });
  });

  it('names the variable of a bad value', () => {
    const result = schema.safeParse({ AGENTQ_LLM_PRICES: '{oops', AGENTQ_LLM_BASE_URL: 'ftp://x' });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'AGENTQ_LLM_BASE_URL',
      'AGENTQ_LLM_PRICES',
    ]);
  });
});
