import { describe, expect, it } from '@jest/globals';
import type { ModelUsage, ProvidersView } from '@agentq/contracts';
import { tokensByProvider, usageByTenantAndModel } from './provider-series.js';

const usage = (tenant: string, provider: string, tokens: number, costUsd: number): ModelUsage => ({
  tenant,
  provider,
  model: 'small',
  calls: 1,
  tokens,
  costUsd,
});

const view: ProvidersView = {
  providers: [
    { provider: 'openai', circuit: 'closed', models: [], budgets: [] },
    { provider: 'backup', circuit: 'open', models: [], budgets: [] },
  ],
  hours: [
    {
      at: '2026-01-01T10:00:00Z',
      usage: [usage('a', 'openai', 10, 0.1), usage('b', 'backup', 5, 0.5)],
    },
    { at: '2026-01-01T11:00:00Z', usage: [usage('a', 'openai', 20, 0.2)] },
  ],
};

describe('provider series', () => {
  it('charts tokens per hour for each provider', () => {
    const chart = tokensByProvider(view);
    expect(chart.series).toEqual([
      { name: 'openai', values: [10, 20] },
      { name: 'backup', values: [5, 0] },
    ]);
  });

  it('sums each tenant’s use of a model over the window, most cost first', () => {
    const [first, second] = usageByTenantAndModel(view);
    expect(first).toEqual({
      tenant: 'b',
      provider: 'backup',
      model: 'small',
      calls: 1,
      tokens: 5,
      costUsd: 0.5,
    });
    expect(second).toMatchObject({ tenant: 'a', provider: 'openai', calls: 2, tokens: 30 });
    expect(second?.costUsd).toBeCloseTo(0.3);
  });
});
