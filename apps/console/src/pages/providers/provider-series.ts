import type { ModelUsage, ProvidersView } from '@agentq/contracts';
import type { ChartSeries } from '../../components/line-chart.js';

/** Tokens per hour, one series per provider. */
export function tokensByProvider(view: ProvidersView): { labels: string[]; series: ChartSeries[] } {
  return {
    labels: view.hours.map((hour) => hour.at),
    series: view.providers.map(({ provider }) => ({
      name: provider,
      values: view.hours.map((hour) =>
        hour.usage
          .filter((use) => use.provider === provider)
          .reduce((sum, use) => sum + use.tokens, 0),
      ),
    })),
  };
}

/** Use per tenant, provider and model over the whole window, most cost first. */
export function usageByTenantAndModel(view: ProvidersView): ModelUsage[] {
  const sums = new Map<string, ModelUsage>();
  for (const use of view.hours.flatMap((hour) => hour.usage)) {
    const id = JSON.stringify([use.tenant, use.provider, use.model]);
    const sum = sums.get(id);
    sums.set(
      id,
      sum === undefined
        ? { ...use }
        : {
            ...sum,
            calls: sum.calls + use.calls,
            tokens: sum.tokens + use.tokens,
            costUsd: sum.costUsd + use.costUsd,
          },
    );
  }
  return [...sums.values()].sort((a, b) => b.costUsd - a.costUsd || b.tokens - a.tokens);
}
