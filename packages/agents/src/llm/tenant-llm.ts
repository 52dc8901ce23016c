import type { TenantLlmPolicy } from '@agentq/contracts';
import { BudgetExceededError, InvalidInputError } from '../errors.js';
import type { ChatRequest, ChatResult } from './chat.js';
import type { LlmClient } from './llm-client.js';
import type { LlmMetrics } from './llm-metrics.js';
import { budgetOverrun, describeOverrun, type TenantUsage } from './tenant-usage.js';

/**
 * `ctx.llm` of one tenant's tasks: the process's client, held to the tenant's model
 * allowlist and budgets, with what each call used added to the tenant's count. An agent
 * cannot name another tenant: the tenant is fixed here, from the task.
 */
export class TenantLlm implements LlmClient {
  constructor(
    private readonly inner: LlmClient,
    private readonly tenant: string,
    private readonly policy: TenantLlmPolicy | undefined,
    private readonly usage: TenantUsage,
    /** With the tenant as it may appear in a label (a configured tenant, or `other`). */
    private readonly metrics?: { sink: LlmMetrics; tenantLabel: string },
  ) {}

  get defaultModel(): string {
    return this.inner.defaultModel;
  }

  preset(name: string): string | undefined {
    return this.inner.preset(name);
  }

  async chat(
    request: ChatRequest,
    options: { signal: AbortSignal; onDelta?: (text: string) => void },
  ): Promise<ChatResult> {
    await this.admit(request.model ?? this.inner.defaultModel);
    const result = await this.inner.chat(request, options);
    const tokens = result.usage.inputTokens + result.usage.outputTokens;
    const costUsd = result.costUsd ?? 0;
    this.metrics?.sink.tenantUsed(this.metrics.tenantLabel, tokens, costUsd);
    await this.usage.record(this.tenant, tokens, costUsd);
    return result;
  }

  private async admit(model: string): Promise<void> {
    const { policy } = this;
    if (!policy) return;
    if (policy.models && !policy.models.includes(model)) {
      throw new InvalidInputError(
        `model "${model}" is not allowed for tenant "${this.tenant}" (allowed: ${policy.models.join(', ')})`,
      );
    }
    const budgeted = [
      policy.tokensPerDay,
      policy.tokensPerMonth,
      policy.costUsdPerDay,
      policy.costUsdPerMonth,
    ].some((limit) => limit !== undefined);
    if (!budgeted) return;
    const now = new Date();
    const overrun = budgetOverrun(policy, await this.usage.read(this.tenant, now), now);
    if (overrun) throw new BudgetExceededError(describeOverrun(this.tenant, overrun));
  }
}
