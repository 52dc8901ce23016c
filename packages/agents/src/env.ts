import { z } from 'zod';
import type { TenantPolicies } from '@agentq/contracts';
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
  /** Model used when a task names none. */
  AGENTQ_LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** Role presets added or replaced, JSON: {"name": "system prompt"}. */
  AGENTQ_LLM_PRESETS: jsonRecord(z.string().min(1)),
};

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
  /** OpenAI-compatible API root (OpenAI, vLLM, Ollama, LM Studio ...). */
  AGENTQ_LLM_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  /** Bearer token; empty for local servers. */
  AGENTQ_LLM_API_KEY: z.string().optional(),
  /** Time until the provider starts answering (all of a non-streamed answer). */
  AGENTQ_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  /** Completion token budget of a task that sets none. */
  AGENTQ_LLM_MAX_TOKENS: z.coerce.number().int().min(1).default(1024),
  /** Longest silence between two chunks of a streamed answer (then transient). */
  AGENTQ_LLM_STREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Prices, JSON: {"model": {"input": USD per 1M tokens, "output": USD per 1M tokens}}. */
  AGENTQ_LLM_PRICES: jsonRecord(price),
  /** More providers, JSON {"name": {baseUrl, apiKey, models, ...}} (holds keys: keep it secret). */
  AGENTQ_LLM_PROVIDERS: jsonRecord(ProviderEntrySchema, providerName),
  /** Fallbacks, JSON {"model or provider/model": ["provider/model", ...]}, tried in order. */
  AGENTQ_LLM_FALLBACKS: jsonRecord(z.array(z.string().min(1)).min(1)),
  ...llmDeploymentEnvShape,
  /** Requests per minute per model, shared by all workers; 0 = no limit. */
  AGENTQ_LLM_RPM: count.default(0),
  /** Tokens per minute per model, shared by all workers; 0 = no limit. */
  AGENTQ_LLM_TPM: count.default(0),
  /** Calls at once to the provider, all workers together; 0 = no limit. */
  AGENTQ_LLM_MAX_CONCURRENCY: count.default(0),
  /** Failures in a row that open the provider's circuit. */
  AGENTQ_LLM_BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  /** How long an open circuit fails calls fast. */
  AGENTQ_LLM_BREAKER_OPEN_MS: z.coerce.number().int().min(100).default(30_000),
};
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
  /** Hosts agents may call: `api.example.com`, `*.example.com`; empty = none. */
  AGENTQ_HTTP_ALLOW: list,
  /** Loopback/private IPs or CIDRs agents may still connect to (e.g. 10.1.2.0/24); empty = none. */
  AGENTQ_HTTP_ALLOW_ADDRESSES: list,
  /** Largest response body read. */
  AGENTQ_HTTP_MAX_RESPONSE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  /** Time limit of a request that sets none. */
  AGENTQ_HTTP_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000),
};
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
  /** Comma-separated module paths (relative to the working directory) or package names. */
  AGENTQ_AGENT_MODULES: list,
};
