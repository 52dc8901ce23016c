import type { PoolMinuteView } from '@agentq/contracts';
import type { ChartSeries } from '../../components/line-chart.js';

/** A pool's last hour as the overview charts draw it. */
export interface PoolCharts {
  labels: string[];
  throughput: ChartSeries[];
  latency: ChartSeries[];
  totals: { completed: number; failed: number; retried: number };
  /** The highest p95 and p99 of any minute: the hour's worst. */
  worstP95Ms: number | null;
  worstP99Ms: number | null;
}

/** Per-minute counts and the submit→start percentiles of one pool, as chart series. */
export function poolCharts(minutes: readonly PoolMinuteView[]): PoolCharts {
  const latency = {
    p50: minutes.map((m) => m.startLatencyMs.p50),
    p95: minutes.map((m) => m.startLatencyMs.p95),
    p99: minutes.map((m) => m.startLatencyMs.p99),
  };
  return {
    labels: minutes.map((m) => m.at),
    throughput: [
      { name: 'completed', values: minutes.map((m) => m.completed) },
      { name: 'failed', values: minutes.map((m) => m.failed) },
    ],
    latency: [
      { name: 'p50', values: latency.p50 },
      { name: 'p95', values: latency.p95 },
      { name: 'p99', values: latency.p99 },
    ],
    totals: {
      completed: sum(minutes.map((m) => m.completed)),
      failed: sum(minutes.map((m) => m.failed)),
      retried: sum(minutes.map((m) => m.retried)),
    },
    worstP95Ms: worst(latency.p95),
    worstP99Ms: worst(latency.p99),
  };
}

/** The largest of the values, or null when there are none. */
export function worst(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : Math.max(...present);
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
