import { Counter, type Registry } from 'prom-client';
import type { TokenUsage } from './chat.js';

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
) {
  // A second services instance on the same registry (tests, hot reload) reuses the counter.
  return (
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
}

/** Token and cost counters, on the registry the app serves at /metrics. */
export class LlmMetrics {
  private readonly tokens: Counter<'model' | 'direction'>;
  private readonly cost: Counter<'model'>;

  constructor(registry: Registry) {
    this.tokens = counter(registry, 'agentq_llm_tokens_total', 'LLM tokens used.', [
      'model',
      'direction',
    ]);
    this.cost = counter(registry, 'agentq_llm_cost_usd_total', 'LLM cost in USD (priced models).', [
      'model',
    ]);
  }

  record(model: string, usage: TokenUsage, costUsd: number | undefined): void {
    this.tokens.inc({ model, direction: 'input' }, usage.inputTokens);
    this.tokens.inc({ model, direction: 'output' }, usage.outputTokens);
    if (costUsd !== undefined) this.cost.inc({ model }, costUsd);
  }
}
