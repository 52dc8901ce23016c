import { z } from 'zod';
import type { TenantPolicies } from '@agentq/contracts';
import type { EnvDocs } from '@agentq/queue';
import type { AgentDeployment } from './agent.js';
import type { LlmConfig } from './llm/llm-client.js';
import { rolePresets } from './llm/presets.js';
import type { HttpPolicy } from './net/http-client.js';

/** A comma-separated list, trimmed; empty means none. */
const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

/** A JSON object given in one variable. */
function jsonRecord<T extends z.ZodType>(value: T, key: z.ZodType<string, string> = z.string()) {
  return z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
        return z.NEVER;
      }
    })
    .pipe(z.record(key, value));
}

const count = z.coerce.number().int().min(0);

/**
 * What the gateway must know of the workers' LLM settings to refuse, at submit, a task that
 * could not run: the role presets (AGENTQ_LLM_PRESETS) and the default model.
 */
export const llmDeploymentEnvShape = {
  AGENTQ_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  AGENTQ_LLM_PRESETS: jsonRecord(z.string().min(1)),
};

/** What each of llmDeploymentEnvShape's variables means (docs/configuration.md is generated from it). */
export const llmDeploymentEnvDocs = {
  AGENTQ_LLM_MODEL: 'model of a task that names none',
  AGENTQ_LLM_PRESETS:
    'JSON `{"name": "system prompt"}`, built-in presets + these; set on gateway too',
} satisfies EnvDocs<typeof llmDeploymentEnvShape>;

/** What the deployment offers each tenant's tasks (see `Agent.checkDeployment`). */
export function agentDeploymentFromEnv(
  env: z.output<z.ZodObject<typeof llmDeploymentEnvShape>>,
  tenants: TenantPolicies,
): (tenant: string) => AgentDeployment {
  const llmPresets = new Set(Object.keys(rolePresets(env.AGENTQ_LLM_PRESETS)));
  const llmModels = new Map(
    Object.entries(tenants).flatMap(([tenant, policy]) =>
      policy.llm?.models ? [[tenant, new Set(policy.llm.models)] as const] : [],
    ),
  );
  return (tenant) => ({
    llmPresets,
    llmDefaultModel: env.AGENTQ_LLM_MODEL,
    llmModels: llmModels.get(tenant),
  });
}

const limitsShape = {
  requestsPerMinute: z.number().int().min(0).optional(),
  tokensPerMinute: z.number().int().min(0).optional(),
  maxConcurrency: z.number().int().min(1).optional(),
};

const price = z.object({ input: z.number().min(0), output: z.number().min(0) }).strict();

/** One entry of AGENTQ_LLM_PROVIDERS. */
const ProviderEntrySchema = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    apiKey: z.string().min(1).optional(),
    apiKeyHeader: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    query: z.record(z.string(), z.string()).optional(),
    models: z.array(z.string().min(1)).optional(),
    timeoutMs: z.number().int().min(100).optional(),
    prices: z.record(z.string(), price).optional(),
    requestsPerMinute: limitsShape.requestsPerMinute,
    tokensPerMinute: limitsShape.tokensPerMinute,
    /** Calls at once to this provider, all models together. */
    maxConcurrency: limitsShape.maxConcurrency,
    /** Limits of one model, over the provider's per-model requestsPerMinute/tokensPerMinute. */
    modelLimits: z.record(z.string(), z.object(limitsShape).strict()).optional(),
  })
  .strict();

const providerName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'letters, digits, _ . - only' })
  .refine((name) => name !== 'default', {
    message: '"default" is the provider of AGENTQ_LLM_BASE_URL',
  });

/** AGENTQ_LLM_* variables; spread into an app's config schema, then pass to {@link llmConfigFromEnv}. */
export const llmEnvShape = {
  AGENTQ_LLM_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  AGENTQ_LLM_API_KEY: z.string().optional(),
  AGENTQ_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  AGENTQ_LLM_MAX_TOKENS: z.coerce.number().int().min(1).default(1024),
  AGENTQ_LLM_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  AGENTQ_LLM_PRICES: jsonRecord(price),
  AGENTQ_LLM_PROVIDERS: jsonRecord(ProviderEntrySchema, providerName),
  AGENTQ_LLM_FALLBACKS: jsonRecord(z.array(z.string().min(1)).min(1)),
  ...llmDeploymentEnvShape,
  AGENTQ_LLM_RPM: count.default(0),
  AGENTQ_LLM_TPM: count.default(0),
  AGENTQ_LLM_MAX_CONCURRENCY: count.default(0),
  AGENTQ_LLM_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  AGENTQ_LLM_BREAKER_OPEN_MS: z.coerce.number().int().min(100).default(30_000),
};

/** What each of llmEnvShape's variables means (docs/configuration.md is generated from it). */
export const llmEnvDocs = {
  ...llmDeploymentEnvDocs,
  AGENTQ_LLM_BASE_URL: 'OpenAI-compatible API root',
  AGENTQ_LLM_API_KEY: 'bearer token',
  AGENTQ_LLM_TIMEOUT_MS: 'time until the provider starts answering (then transient)',
  AGENTQ_LLM_MAX_TOKENS: 'completion budget of a task that sets none',
  AGENTQ_LLM_STREAM_IDLE_TIMEOUT_MS:
    'longest silence between two chunks of a stream (then transient)',
  AGENTQ_LLM_PRICES: 'JSON `{"model": {"input": USD/1M, "output": USD/1M}}`',
  AGENTQ_LLM_PROVIDERS: 'more providers by name ([several providers](llm.md#several-providers))',
  AGENTQ_LLM_FALLBACKS: 'JSON `{"model": ["provider/model", ...]}`, tried in order',
  AGENTQ_LLM_RPM: 'requests per minute per model, all workers together',
  AGENTQ_LLM_TPM: 'tokens per minute per model, all workers together',
  AGENTQ_LLM_MAX_CONCURRENCY: 'calls at once to the provider, all workers together',
  AGENTQ_LLM_BREAKER_FAILURES: "failures in a row that open the provider's circuit",
  AGENTQ_LLM_BREAKER_OPEN_MS: 'how long an open circuit holds calls before one trial call',
} satisfies EnvDocs<typeof llmEnvShape>;
type LlmEnv = z.output<z.ZodObject<typeof llmEnvShape>>;

export function llmConfigFromEnv(env: LlmEnv): LlmConfig {
  return {
    baseUrl: env.AGENTQ_LLM_BASE_URL,
    apiKey: env.AGENTQ_LLM_API_KEY || undefined,
    model: env.AGENTQ_LLM_MODEL,
    timeoutMs: env.AGENTQ_LLM_TIMEOUT_MS,
    maxTokens: env.AGENTQ_LLM_MAX_TOKENS,
    streamIdleTimeoutMs: env.AGENTQ_LLM_STREAM_IDLE_TIMEOUT_MS,
    prices: env.AGENTQ_LLM_PRICES,
    presets: env.AGENTQ_LLM_PRESETS,
    limits: { requestsPerMinute: env.AGENTQ_LLM_RPM, tokensPerMinute: env.AGENTQ_LLM_TPM },
    maxConcurrency: env.AGENTQ_LLM_MAX_CONCURRENCY || undefined,
    providers: Object.fromEntries(
      Object.entries(env.AGENTQ_LLM_PROVIDERS).map(
        ([name, { requestsPerMinute, tokensPerMinute, ...provider }]) => [
          name,
          { ...provider, limits: { requestsPerMinute, tokensPerMinute } },
        ],
      ),
    ),
    fallbacks: env.AGENTQ_LLM_FALLBACKS,
    breaker: {
      consecutiveFailures: env.AGENTQ_LLM_BREAKER_FAILURES,
      halfOpenAfterMs: env.AGENTQ_LLM_BREAKER_OPEN_MS,
    },
  };
}

/** AGENTQ_HTTP_* variables of `http.request` (and `ctx.http`). */
export const httpEnvShape = {
  AGENTQ_HTTP_ALLOW: list,
  AGENTQ_HTTP_ALLOW_ADDRESSES: list,
  AGENTQ_HTTP_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  AGENTQ_HTTP_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
};

/** What each of httpEnvShape's variables means (docs/configuration.md is generated from it). */
export const httpEnvDocs = {
  AGENTQ_HTTP_ALLOW: 'hosts `http.request` may call (`api.x.com`, `*.x.com`)',
  AGENTQ_HTTP_ALLOW_ADDRESSES: 'private/loopback IPs or CIDRs that may still be reached',
  AGENTQ_HTTP_MAX_RESPONSE_BYTES: 'largest response body',
  AGENTQ_HTTP_TIMEOUT_MS: 'time limit of a request that sets none',
} satisfies EnvDocs<typeof httpEnvShape>;
type HttpEnv = z.output<z.ZodObject<typeof httpEnvShape>>;

export function httpPolicyFromEnv(env: HttpEnv): HttpPolicy {
  return {
    allowHosts: env.AGENTQ_HTTP_ALLOW,
    allowAddresses: env.AGENTQ_HTTP_ALLOW_ADDRESSES,
    maxResponseBytes: env.AGENTQ_HTTP_MAX_RESPONSE_BYTES,
    timeoutMs: env.AGENTQ_HTTP_TIMEOUT_MS,
  };
}

/** AGENTQ_AGENT_MODULES: plugins, for `loadAgentModules` (gateway and worker alike). */
export const agentModulesEnvShape = {
  AGENTQ_AGENT_MODULES: list,
};

/** What each of agentModulesEnvShape's variables means (docs/configuration.md is generated from it). */
export const agentModulesEnvDocs = {
  AGENTQ_AGENT_MODULES: 'plugin modules: paths (from the working directory) or packages',
} satisfies EnvDocs<typeof agentModulesEnvShape>;
