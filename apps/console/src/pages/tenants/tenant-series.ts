import type { TenantActivity, TenantsView } from '@agentq/contracts';
import type { ChartSeries } from '../../components/line-chart.js';

/** The tenants page's charts: every tenant's tasks and LLM cost, hour by hour. */
export interface TenantCharts {
  labels: string[];
  tasks: ChartSeries[];
  cost: ChartSeries[];
}

export function tenantCharts(view: TenantsView): TenantCharts {
  const total = (pick: (tenant: TenantActivity) => number) =>
    view.hours.map((hour) => hour.tenants.reduce((sum, tenant) => sum + pick(tenant), 0));
  return {
    labels: view.hours.map((hour) => hour.at),
    tasks: [
      { name: 'completed', values: total((t) => t.completed) },
      { name: 'failed', values: total((t) => t.failed) },
      { name: 'cancelled', values: total((t) => t.cancelled) },
    ],
    cost: [{ name: 'cost (USD)', values: total((t) => t.costUsd) }],
  };
}

/** The share of a tenant's finished tasks that failed, or null when none finished. */
export function failureShare(tenant: TenantActivity): number | null {
  const finished = tenant.completed + tenant.failed + tenant.cancelled;
  return finished === 0 ? null : tenant.failed / finished;
}
