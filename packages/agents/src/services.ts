import type { RedisClient } from '@agentq/queue';
import type { Registry } from 'prom-client';
import type { AgentContext } from './agent.js';
import type { TenantPolicies } from '@agentq/contracts';
import { createLlm } from './llm/create-llm.js';
import type { LlmConfig } from './llm/llm-client.js';
import { LlmMetrics } from './llm/llm-metrics.js';
import { TenantLlm } from './llm/tenant-llm.js';
import { TenantUsage } from './llm/tenant-usage.js';
import { GuardedHttpClient, type HttpPolicy } from './net/http-client.js';
import { RedisAgentState } from './state/agent-state.js';

export interface AgentServicesOptions {
  /** A connection for agent state, locks and rate limits (commands only, no blocking). */
  redis: RedisClient;
  /** The Redis key prefix (AGENTQ_PREFIX). */
  prefix: string;
  llm: LlmConfig;
  /** @defaultValue no host allowed */
  http?: HttpPolicy;
  /** Where the LLM token and cost counters go (the registry the app serves at /metrics). */
  metrics?: Registry;
  /** LLM budgets and model allowlists by tenant (AGENTQ_TENANTS). @defaultValue none */
  tenants?: TenantPolicies;
}

/** The parts of an {@link AgentContext} that come from shared services rather than the job. */
export type TaskServices = Pick<AgentContext, 'tenant' | 'state' | 'llm' | 'http'>;

/** What `ctx.llm` answers synchronously, as plain data (for a context rebuilt in a thread). */
export interface LlmDefaults {
  defaultModel: string;
  /** Every role preset: the built-in ones with AGENTQ_LLM_PRESETS applied. */
  presets: Readonly<Record<string, string>>;
}

export interface AgentServices {
  /** The services of one task, scoped to its tenant: spread into the AgentContext. */
  forTask(task: { tenant: string }): TaskServices;
  /** The `llm` of every task answers `defaultModel` and `preset(name)` from these. */
  readonly llmDefaults: LlmDefaults;
  /** Closes pooled HTTP connections (the Redis connection belongs to the caller). */
  close(): Promise<void>;
}

/** Tenants whose services are kept for reuse; past this the set starts over. */
const MAX_TENANTS_KEPT = 10_000;

/** Builds the per-process services once; the worker calls `forTask` for each task. */
export function createAgentServices(options: AgentServicesOptions): AgentServices {
  const { redis, prefix } = options;
  const llm = createLlm(options.llm, { redis, prefix, metrics: options.metrics });
  const usage = new TenantUsage(redis, prefix);
  const tenants = options.tenants ?? {};
  const llmMetrics = options.metrics && new LlmMetrics(options.metrics);
  const llmOf = (tenant: string) =>
    new TenantLlm(
      llm,
      tenant,
      tenants[tenant]?.llm,
      usage,
      llmMetrics && {
        sink: llmMetrics,
        // Only configured tenants become label values: task traffic must not grow the series.
        tenantLabel: Object.hasOwn(tenants, tenant) ? tenant : 'other',
      },
    );
  const http = new GuardedHttpClient(options.http ?? { allowHosts: [] });
  // The services hold no per-task state: one set per tenant serves all its tasks.
  const byTenant = new Map<string, TaskServices>();
  return {
    forTask: ({ tenant }) => {
      let services = byTenant.get(tenant);
      if (!services) {
        if (byTenant.size >= MAX_TENANTS_KEPT) byTenant.clear();
        services = {
          tenant,
          state: new RedisAgentState(redis, prefix, tenant),
          llm: llmOf(tenant),
          http,
        };
        byTenant.set(tenant, services);
      }
      return services;
    },
    // The service's own preset table, for contexts rebuilt from `llmDefaults`.
    llmDefaults: { defaultModel: llm.defaultModel, presets: llm.presets },
    close: () => http.close(),
  };
}
