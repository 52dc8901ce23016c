import { describe, expect, it } from '@jest/globals';
import type { TenantActivity } from '@agentq/contracts';
import { failureShare, tenantCharts } from './tenant-series.js';

const activity = (
  tenant: string,
  completed: number,
  failed: number,
  costUsd = 0,
): TenantActivity => ({
  tenant,
  completed,
  failed,
  cancelled: 0,
  llmCalls: 0,
  tokens: 0,
  costUsd,
});

describe('tenantCharts', () => {
  it('sums every tenant per hour, keeping empty hours as zeros', () => {
    const charts = tenantCharts({
      tenants: [],
      hours: [
        {
          at: '2026-01-01T10:00:00Z',
          tenants: [activity('a', 3, 1, 0.5), activity('b', 2, 0, 0.25)],
        },
        { at: '2026-01-01T11:00:00Z', tenants: [] },
      ],
    });
    expect(charts.labels).toEqual(['2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z']);
    expect(charts.tasks[0]).toEqual({ name: 'completed', values: [5, 0] });
    expect(charts.tasks[1]).toEqual({ name: 'failed', values: [1, 0] });
    expect(charts.cost[0]?.values).toEqual([0.75, 0]);
  });
});

describe('failureShare', () => {
  it('is the failed part of what finished, and unknown when nothing did', () => {
    expect(failureShare(activity('a', 3, 1))).toBe(0.25);
    expect(failureShare(activity('a', 0, 0))).toBeNull();
  });
});
