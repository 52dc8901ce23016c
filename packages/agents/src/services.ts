import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { AgentContext } from './agent.js';
import { LlmService, type LlmConfig } from './llm/llm-client.js';
import { GuardedHttpClient, type HttpPolicy } from './net/http-client.js';
import { RedisAgentState } from './state/agent-state.js';

export interface AgentServicesOptions {
  /** A connection for agent state, locks and rate limits (commands only, no blocking). */
  redis: Redis;
  /** The Redis key prefix (AGENTQ_PREFIX). */
  prefix: string;
  llm: LlmConfig;
  /** @defaultValue no host allowed */
  http?: HttpPolicy;
  /** Where the LLM token and cost counters go (the registry the app serves at /metrics). */
  metrics?: Registry;
}

/** The parts of an {@link AgentContext} that come from shared services rather than the job. */
export type TaskServices = Pick<AgentContext, 'tenant' | 'state' | 'llm' | 'http'>;

export interface AgentServices {
  /** The services of one task, scoped to its tenant: spread into the AgentContext. */
  forTask(task: { tenant: string }): TaskServices;
  /** Closes pooled HTTP connections (the Redis connection belongs to the caller). */
  close(): Promise<void>;
}

/** Builds the per-process services once; the worker calls `forTask` for each task. */
export function createAgentServices(options: AgentServicesOptions): AgentServices {
  const { redis, prefix } = options;
  const llm = new LlmService(options.llm, { redis, prefix, metrics: options.metrics });
  const http = new GuardedHttpClient(options.http ?? { allowHosts: [] });
  return {
    forTask: ({ tenant }) => ({
      tenant,
      state: new RedisAgentState(redis, prefix, tenant),
      llm,
      http,
    }),
    close: () => http.close(),
  };
}
