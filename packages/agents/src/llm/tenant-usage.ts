import { ACTIVITY_MAX_HOURS, type LlmUsage, type TenantLlmPolicy } from '@agentq/contracts';
import { readHashes, recentBuckets, type RedisClient } from '@agentq/queue';

/** Cost is kept in millionths of a dollar: HINCRBY is exact where float sums drift. */
const MICRO = 1_000_000;
const DAY_KEY_TTL_S = 3 * 86_400;
const MONTH_KEY_TTL_S = 62 * 86_400;
const HOUR_MS = 3_600_000;
/** Hourly use is kept as long as the longest window the activity routes answer. */
const HOUR_KEY_TTL_S = (ACTIVITY_MAX_HOURS + 1) * 3_600;

/** Which provider and model a use went to. */
export interface UsageTarget {
  provider: string;
  model: string;
}

/** One tenant's use of one model in an hour. */
export interface HourlyUsage extends UsageTarget {
  tenant: string;
  calls: number;
  tokens: number;
  costUsd: number;
}

/** The hash of an hour's use; its fields are JSON `[tenant, provider, model, measure]`. */
const hourKey = (prefix: string, hour: number) => `${prefix}:llm:hourly:${hour}`;
type Measure = 'calls' | 'tokens' | 'costMicroUsd';

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
 * to the same count and the gateway reads it; and per hour, by provider and model, for the
 * console (one hash per hour: its size grows with the tenants and models used in that hour,
 * not with the calls).
 */
export class TenantUsage {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(tenant: string, period: string): string {
    return `${this.prefix}:llm:usage:${tenant}:${period}`;
  }

  async record(
    tenant: string,
    target: UsageTarget,
    tokens: number,
    costUsd: number,
    at = new Date(),
  ): Promise<void> {
    const { day, month } = periodsOf(at);
    const micro = Math.round(costUsd * MICRO);
    const pipeline = this.redis.pipeline();
    const hour = hourKey(this.prefix, Math.floor(at.getTime() / HOUR_MS));
    const field = (measure: Measure) =>
      JSON.stringify([tenant, target.provider, target.model, measure]);
    pipeline
      .hincrby(hour, field('calls'), 1)
      .hincrby(hour, field('tokens'), tokens)
      .hincrby(hour, field('costMicroUsd'), micro)
      .expire(hour, HOUR_KEY_TTL_S);
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

/**
 * The last `hours` hours (the current one included), oldest first, each with every tenant's
 * use per provider and model; `tenant` keeps one tenant's. One pipelined read of `hours` hashes.
 */
export async function readUsageHistory(
  redis: RedisClient,
  prefix: string,
  hours: number,
  options: { tenant?: string; now?: number } = {},
): Promise<{ at: string; usage: HourlyUsage[] }[]> {
  const window = recentBuckets(hours, HOUR_MS, options.now);
  const hashes = await readHashes(
    redis,
    window.map((hour) => hourKey(prefix, hour)),
  );
  return window.map((hour, i) => ({
    at: new Date(hour * HOUR_MS).toISOString(),
    usage: hourlyUsage(hashes[i] ?? {}, options.tenant),
  }));
}

function hourlyUsage(fields: Record<string, string>, onlyTenant?: string): HourlyUsage[] {
  const byTarget = new Map<string, HourlyUsage>();
  for (const [field, value] of Object.entries(fields)) {
    const [tenant, provider, model, measure] = JSON.parse(field) as [
      string,
      string,
      string,
      Measure,
    ];
    if (onlyTenant !== undefined && tenant !== onlyTenant) continue;
    const id = JSON.stringify([tenant, provider, model]);
    let entry = byTarget.get(id);
    if (!entry) {
      entry = { tenant, provider, model, calls: 0, tokens: 0, costUsd: 0 };
      byTarget.set(id, entry);
    }
    if (measure === 'costMicroUsd') entry.costUsd = Number(value) / MICRO;
    else entry[measure] = Number(value);
  }
  return [...byTarget.values()];
}
