import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import {
  TenantUsage,
  budgetOverrun,
  describeOverrun,
  periodsOf,
  type AgentRegistry,
} from '@agentq/agents';
import { ErrorCode, type TenantLlmPolicy, type TenantUsageView } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS } from '../tokens.js';

const hasBudget = (policy: TenantLlmPolicy | undefined): policy is TenantLlmPolicy =>
  policy !== undefined &&
  [policy.tokensPerDay, policy.tokensPerMonth, policy.costUsdPerDay, policy.costUsdPerMonth].some(
    (limit) => limit !== undefined,
  );

/**
 * Tenants' LLM budgets at the door: while a tenant is over one, tasks of agents that call
 * the LLM are refused at submit (the worker refuses their calls in any case, for tasks
 * already queued). Tenants without a budget cost no Redis read.
 */
@Injectable()
export class LlmBudgets {
  private readonly usage: TenantUsage;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
  ) {
    this.usage = new TenantUsage(redis, config.prefix);
  }

  private policyOf(tenant: string): TenantLlmPolicy | undefined {
    return Object.hasOwn(this.config.tenants, tenant)
      ? this.config.tenants[tenant]?.llm
      : undefined;
  }

  async assertWithin(tenant: string, agents: Iterable<string>): Promise<void> {
    const policy = this.policyOf(tenant);
    if (!hasBudget(policy)) return;
    if (![...agents].some((agent) => this.registry.get(agent)?.usesLlm === true)) return;
    const now = new Date();
    const overrun = budgetOverrun(policy, await this.usage.read(tenant, now), now);
    if (!overrun) return;
    const retryAfterSeconds = Math.max(
      1,
      Math.ceil((overrun.resetsAt.getTime() - now.getTime()) / 1000),
    );
    throw new ApiError(
      ErrorCode.BudgetExceeded,
      describeOverrun(tenant, overrun),
      { ...overrun, resetsAt: overrun.resetsAt.toISOString() },
      { 'retry-after': String(retryAfterSeconds) },
    );
  }

  async view(tenant: string): Promise<TenantUsageView> {
    const now = new Date();
    const { day, month } = await this.usage.read(tenant, now);
    const periods = periodsOf(now);
    return {
      tenant,
      day: { ...day, period: periods.day },
      month: { ...month, period: periods.month },
      budget: this.policyOf(tenant) ?? {},
    };
  }
}
