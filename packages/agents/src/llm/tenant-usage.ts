import type { LlmUsage, TenantLlmPolicy } from '@agentq/contracts';
import type { RedisClient } from '@agentq/queue';

/** Cost is kept in millionths of a dollar: HINCRBY is exact where float sums drift. */
const MICRO = 1_000_000;
const DAY_KEY_TTL_S = 3 * 86_400;
const MONTH_KEY_TTL_S = 62 * 86_400;

/** The UTC day (`2026-12-05`) and month (`2026-12`) a moment falls in. */
export function periodsOf(at: Date): { day: string; month: string } {
  const day = at.toISOString().slice(0, 10);
  return { day, month: day.slice(0, 7) };
}

/** When the UTC day or month of `at` ends. */
export function periodEnd(at: Date, period: 'day' | 'month'): Date {
  return period === 'day'
    ? new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1))
    : new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
}

/** A budget a tenant has used up. */
export interface BudgetOverrun {
  period: 'day' | 'month';
  what: 'tokens' | 'costUsd';
  limit: number;
  used: number;
  resetsAt: Date;
}

/** The first of the tenant's budgets that its use has reached, if any. */
export function budgetOverrun(
  policy: TenantLlmPolicy | undefined,
  usage: { day: LlmUsage; month: LlmUsage },
  at: Date,
): BudgetOverrun | undefined {
  if (!policy) return undefined;
  const limits = [
    ['day', 'tokens', policy.tokensPerDay],
    ['day', 'costUsd', policy.costUsdPerDay],
    ['month', 'tokens', policy.tokensPerMonth],
    ['month', 'costUsd', policy.costUsdPerMonth],
  ] as const;
  for (const [period, what, limit] of limits) {
    const used = usage[period][what];
    if (limit !== undefined && used >= limit) {
      return { period, what, limit, used, resetsAt: periodEnd(at, period) };
    }
  }
  return undefined;
}

export function describeOverrun(tenant: string, overrun: BudgetOverrun): string {
  const amount = (value: number) =>
    overrun.what === 'tokens' ? `${value} tokens` : `${value.toFixed(4)} USD`;
  return `tenant "${tenant}" used its LLM budget for the ${overrun.period} (${amount(overrun.used)} of ${amount(overrun.limit)}); it resets at ${overrun.resetsAt.toISOString()}`;
}

/**
 * Each tenant's LLM tokens and cost per UTC day and month, in Redis so every worker adds
 * to the same count and the gateway reads it.
 */
export class TenantUsage {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(tenant: string, period: string): string {
    return `${this.prefix}:llm:usage:${tenant}:${period}`;
  }

  async record(tenant: string, tokens: number, costUsd: number, at = new Date()): Promise<void> {
    const { day, month } = periodsOf(at);
    const micro = Math.round(costUsd * MICRO);
    const pipeline = this.redis.pipeline();
    for (const [period, ttl] of [
      [day, DAY_KEY_TTL_S],
      [month, MONTH_KEY_TTL_S],
    ] as const) {
      const key = this.key(tenant, period);
      pipeline.hincrby(key, 'tokens', tokens).hincrby(key, 'costMicroUsd', micro).expire(key, ttl);
    }
    await pipeline.exec();
  }

  async read(tenant: string, at = new Date()): Promise<{ day: LlmUsage; month: LlmUsage }> {
    const { day, month } = periodsOf(at);
    const [dayFields, monthFields] = await Promise.all([
      this.redis.hmget(this.key(tenant, day), 'tokens', 'costMicroUsd'),
      this.redis.hmget(this.key(tenant, month), 'tokens', 'costMicroUsd'),
    ]);
    const usage = ([tokens, micro]: (string | null)[]): LlmUsage => ({
      tokens: Number(tokens ?? 0),
      costUsd: Number(micro ?? 0) / MICRO,
    });
    return { day: usage(dayFields), month: usage(monthFields) };
  }
}
