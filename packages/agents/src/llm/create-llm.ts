import type { RedisClient } from '@agentq/queue';
import type { Registry } from 'prom-client';
import { LlmService, type LlmConfig } from './llm-client.js';
import { LlmRouter } from './llm-router.js';

/** The name of the provider set by AGENTQ_LLM_BASE_URL when others are configured. */
export const DEFAULT_PROVIDER = 'default';

/**
 * The LLM client of a process: one provider, or a router over the configured ones, each
 * with a circuit, limits and prices of its own.
 */
export function createLlm(
  config: LlmConfig,
  deps: { redis: RedisClient; prefix: string; metrics?: Registry },
): LlmService | LlmRouter {
  const others = Object.entries(config.providers ?? {});
  // Named as the usage it records is (and as the gateway reads its circuit and budgets).
  if (others.length === 0)
    return new LlmService({ ...config, name: config.name ?? DEFAULT_PROVIDER }, deps);
  const providers = new Map([
    [DEFAULT_PROVIDER, new LlmService({ ...config, name: DEFAULT_PROVIDER }, deps)],
  ]);
  for (const [name, provider] of others) {
    const service = new LlmService(
      {
        breaker: config.breaker,
        ...provider,
        name,
        // The router always names the model; this one answers `defaultModel` only.
        model: provider.models?.[0] ?? config.model,
        maxTokens: config.maxTokens,
        presets: config.presets,
      },
      deps,
    );
    providers.set(name, service);
  }
  return new LlmRouter(providers, DEFAULT_PROVIDER, config.fallbacks);
}
