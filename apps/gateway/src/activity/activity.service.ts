import { Inject, Injectable } from '@nestjs/common';
import type { ModelUsage, ProvidersView, TenantActivity, TenantsView } from '@agentq/contracts';
import {
  ProviderBreaker,
  readLlmBudgets,
  readUsageHistory,
  type HourlyUsage,
  type ProviderModelBudget,
} from '@agentq/agents';
import { readFinishedHistory, type FinishedCounts, type RedisClient } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';

/**
 * Who ran what and what it cost, from the workers' hourly rollups: finished tasks per tenant
 * and LLM use per tenant, provider and model; and the providers' shared rate-limit budgets as
 * the workers published them. Each answer reads one hash per hour of the window (twice), or
 * the list of budgets and then each budget in one pipeline, plus one circuit per provider
 * seen, whatever the number of tasks.
 */
@Injectable()
export class ActivityService {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async tenants(hours: number): Promise<TenantsView> {
    const { prefix } = this.config;
    const now = Date.now();
    const [finished, usage] = await Promise.all([
      readFinishedHistory(this.redis, prefix, hours, { now }),
      readUsageHistory(this.redis, prefix, hours, { now }),
    ]);
    const byHour = finished.map((hour, i) => tenantActivities(hour.tenants, usage[i]?.usage ?? []));
    const totals = sumByTenant(byHour.flat()).sort(
      (a, b) => tasksOf(b) - tasksOf(a) || b.costUsd - a.costUsd,
    );
    return {
      tenants: totals,
      hours: finished.map((hour, i) => ({ at: hour.at, tenants: byHour[i] ?? [] })),
    };
  }

  /**
   * `tenant`: only that tenant's use (a key without `admin`). Budgets are shared, not the
   * tenant's: each provider listed shows all of its budgets, but a provider the tenant did not
   * use in the window stays unlisted, as its circuit does.
   */
  async providers(hours: number, tenant: string | undefined): Promise<ProvidersView> {
    const { prefix } = this.config;
    const [history, budgets] = await Promise.all([
      readUsageHistory(this.redis, prefix, hours, { tenant }),
      readLlmBudgets(this.redis, prefix, hours),
    ]);
    const models = new Map<string, Map<string, ModelTotals>>();
    for (const use of history.flatMap((hour) => hour.usage)) {
      let byModel = models.get(use.provider);
      if (!byModel) models.set(use.provider, (byModel = new Map<string, ModelTotals>()));
      const sum = byModel.get(use.model) ?? { model: use.model, calls: 0, tokens: 0, costUsd: 0 };
      byModel.set(use.model, {
        model: use.model,
        calls: sum.calls + use.calls,
        tokens: sum.tokens + use.tokens,
        costUsd: sum.costUsd + use.costUsd,
      });
    }
    const budgetsOf = new Map<string, ProviderModelBudget[]>();
    for (const budget of budgets) {
      // An admin sees providers with budgets and no finished call too (all held, say).
      if (tenant === undefined && !models.has(budget.provider))
        models.set(budget.provider, new Map());
      budgetsOf.set(budget.provider, [...(budgetsOf.get(budget.provider) ?? []), budget]);
    }
    const providers = await Promise.all(
      [...models].map(async ([provider, byModel]) => ({
        provider,
        circuit: await new ProviderBreaker(this.redis, prefix, provider).state(),
        models: [...byModel.values()],
        budgets: (budgetsOf.get(provider) ?? []).map(({ provider: _, ...budget }) => budget),
      })),
    );
    return { providers, hours: history };
  }
}

/** A model's use summed over tenants and hours. */
type ModelTotals = Omit<ModelUsage, 'tenant' | 'provider'>;

const tasksOf = (activity: TenantActivity) =>
  activity.completed + activity.failed + activity.cancelled;

/** One hour's finished tasks and LLM use, joined per tenant. */
function tenantActivities(finished: FinishedCounts[], usage: HourlyUsage[]): TenantActivity[] {
  const rows: TenantActivity[] = [
    ...finished.map((counts) => ({ ...counts, llmCalls: 0, tokens: 0, costUsd: 0 })),
    ...usage.map(({ tenant, calls, tokens, costUsd }) => ({
      tenant,
      completed: 0,
      failed: 0,
      cancelled: 0,
      llmCalls: calls,
      tokens,
      costUsd,
    })),
  ];
  return sumByTenant(rows);
}

function sumByTenant(rows: TenantActivity[]): TenantActivity[] {
  const sums = new Map<string, TenantActivity>();
  for (const row of rows) {
    const sum = sums.get(row.tenant);
    sums.set(
      row.tenant,
      sum === undefined
        ? { ...row }
        : {
            tenant: row.tenant,
            completed: sum.completed + row.completed,
            failed: sum.failed + row.failed,
            cancelled: sum.cancelled + row.cancelled,
            llmCalls: sum.llmCalls + row.llmCalls,
            tokens: sum.tokens + row.tokens,
            costUsd: sum.costUsd + row.costUsd,
          },
    );
  }
  return [...sums.values()];
}
