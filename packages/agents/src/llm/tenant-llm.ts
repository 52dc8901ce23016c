import type { TenantLlmPolicy } from '@agentq/contracts';
import { BudgetExceededError, InvalidInputError } from '../errors.js';
import { partialUsageOf, type ChatRequest, type ChatResult } from './chat.js';
import { startChatSpan } from './chat-span.js';
import type { LlmClient } from './llm-client.js';
import type { LlmMetrics } from './llm-metrics.js';
import {
  budgetOverrun,
  describeOverrun,
  type TenantUsage,
  type UsageTarget,
} from './tenant-usage.js';

/** The provider of AGENTQ_LLM_BASE_URL, which a result from a single provider does not name. */
const DEFAULT_PROVIDER = 'default';
/** A failed call's usage: the provider that billed it is not known past a fallback. */
const UNKNOWN_PROVIDER = 'unknown';

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
    const model = request.model ?? this.inner.defaultModel;
    await this.admit(model);
    const span = startChatSpan(request, model, options.onDelta !== undefined);
    let result: ChatResult;
    try {
      result = await this.inner.chat(request, options);
      span.succeeded(result);
    } catch (error) {
      span.failed(error);
      // A failed or cancelled call still used what the provider billed.
      const used = partialUsageOf(error);
      const target = { provider: UNKNOWN_PROVIDER, model };
      if (used) await this.count(target, used.inputTokens + used.outputTokens, 0);
      throw error;
    }
    // The model as asked for (prices, allowlists and presets name it so), not as answered.
    const target = { provider: result.provider ?? DEFAULT_PROVIDER, model };
    const { inputTokens, outputTokens } = result.usage;
    await this.count(target, inputTokens + outputTokens, result.costUsd ?? 0);
    return result;
  }

  private async count(target: UsageTarget, tokens: number, costUsd: number): Promise<void> {
    this.metrics?.sink.tenantUsed(this.metrics.tenantLabel, tokens, costUsd);
    await this.usage.record(this.tenant, target, tokens, costUsd);
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
