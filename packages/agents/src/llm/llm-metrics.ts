import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HoldReason } from '../errors.js';
import type { TokenUsage } from './chat.js';
import type { CircuitState } from './circuit-breaker.js';

/** How one call to the provider ended, as a metric label. */
export type CallOutcome =
  'ok' | 'transient' | 'rate-limited' | 'quota-exhausted' | 'misconfigured' | 'invalid' | 'aborted';

const circuitValue: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

// A second services instance on the same registry (tests, hot reload) reuses the metric.
function reuse<M>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/**
 * LLM metrics on the registry the app serves at /metrics. Labels are bounded: `provider`
 * is a configured host, `model` a configured model or `other`.
 */
export class LlmMetrics {
  private readonly tokens: Counter<'model' | 'direction'>;
  private readonly cost: Counter<'model'>;
  private readonly calls: Counter<'provider' | 'model' | 'outcome'>;
  private readonly holds: Counter<'provider' | 'reason'>;
  private readonly circuit: Gauge<'provider'>;
  private readonly duration: Histogram<'provider' | 'model'>;
  private readonly firstToken: Histogram<'provider' | 'model'>;
  private readonly tenantTokens: Counter<'tenant'>;
  private readonly tenantCost: Counter<'tenant'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      reuse(registry, name, () => new Counter({ name, help, labelNames, registers }));
    const latency = (name: string, help: string) =>
      reuse(
        registry,
        name,
        () =>
          new Histogram({
            name,
            help,
            labelNames: ['provider', 'model'] as const,
            buckets: LATENCY_BUCKETS,
            registers,
          }),
      );
    this.tokens = counter(
      'agentq_llm_tokens_total',
      'LLM tokens used, also by calls that failed or were cancelled mid-stream.',
      ['model', 'direction'],
    );
    this.cost = counter('agentq_llm_cost_usd_total', 'LLM cost in USD (priced models).', ['model']);
    this.calls = counter(
      'agentq_llm_requests_total',
      'Calls that reached the LLM provider, by how they ended.',
      ['provider', 'model', 'outcome'],
    );
    this.holds = counter(
      'agentq_llm_held_total',
      'Calls held back before reaching the provider, by what held them.',
      ['provider', 'reason'],
    );
    this.circuit = reuse(
      registry,
      'agentq_llm_circuit_state',
      () =>
        new Gauge({
          name: 'agentq_llm_circuit_state',
          help: "The provider's circuit as this process last saw it: 0 closed, 1 half-open, 2 open.",
          labelNames: ['provider'],
          registers,
        }),
    );
    this.tenantTokens = counter(
      'agentq_llm_tenant_tokens_total',
      'LLM tokens used by tenant (configured tenants by name, the rest as other).',
      ['tenant'],
    );
    this.tenantCost = counter(
      'agentq_llm_tenant_cost_usd_total',
      'LLM cost in USD by tenant (configured tenants by name, the rest as other).',
      ['tenant'],
    );
    this.duration = latency(
      'agentq_llm_request_duration_seconds',
      'Time of a call to the LLM provider, to its last byte.',
    );
    this.firstToken = latency(
      'agentq_llm_time_to_first_token_seconds',
      'Time from a streamed call to its first token.',
    );
  }

  record(model: string, usage: TokenUsage, costUsd: number | undefined): void {
    this.tokens.inc({ model, direction: 'input' }, usage.inputTokens);
    this.tokens.inc({ model, direction: 'output' }, usage.outputTokens);
    if (costUsd !== undefined) this.cost.inc({ model }, costUsd);
  }

  call(provider: string, model: string, outcome: CallOutcome, seconds: number): void {
    this.calls.inc({ provider, model, outcome });
    this.duration.observe({ provider, model }, seconds);
  }

  firstTokenAfter(provider: string, model: string, seconds: number): void {
    this.firstToken.observe({ provider, model }, seconds);
  }

  tenantUsed(tenant: string, tokens: number, costUsd: number): void {
    this.tenantTokens.inc({ tenant }, tokens);
    if (costUsd > 0) this.tenantCost.inc({ tenant }, costUsd);
  }

  held(provider: string, reason: HoldReason): void {
    this.holds.inc({ provider, reason });
  }

  circuitIs(provider: string, state: CircuitState): void {
    this.circuit.set({ provider }, circuitValue[state]);
  }
}
