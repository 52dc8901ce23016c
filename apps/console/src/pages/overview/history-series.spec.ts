import { describe, expect, it } from '@jest/globals';
import type { PoolMinuteView } from '@agentq/contracts';
import { poolCharts, worst } from './history-series.js';

const minute = (
  at: string,
  completed: number,
  failed: number,
  p95: number | null,
): PoolMinuteView => ({
  at,
  started: completed + failed,
  completed,
  failed,
  retried: 1,
  startLatencyMs: { p50: p95 === null ? null : p95 / 2, p95, p99: p95 === null ? null : p95 * 2 },
});

describe('poolCharts', () => {
  it('turns minutes into throughput and latency series with the hour’s totals', () => {
    const charts = poolCharts([
      minute('2024-01-01T10:00:00Z', 3, 1, 50),
      minute('2024-01-01T10:01:00Z', 0, 0, null),
      minute('2024-01-01T10:02:00Z', 5, 0, 250),
    ]);
    expect(charts.labels).toHaveLength(3);
    expect(charts.throughput[0]).toEqual({ name: 'completed', values: [3, 0, 5] });
    expect(charts.latency[1]).toEqual({ name: 'p95', values: [50, null, 250] });
    expect(charts.totals).toEqual({ completed: 8, failed: 1, retried: 3 });
    expect(charts.worstP95Ms).toBe(250);
    expect(charts.worstP99Ms).toBe(500);
  });
});

describe('worst', () => {
  it('is null when no minute had a sample', () => {
    expect(worst([null, null])).toBeNull();
  });
});
