import type { ScalerDecisionRecord } from '@agentq/contracts';
import type { ChartSeries } from '../../components/line-chart.js';

/** Decisions (as the API lists them, newest first) as desired and current workers over time. */
export function workerSeries(newestFirst: readonly ScalerDecisionRecord[]): {
  labels: string[];
  series: ChartSeries[];
} {
  const oldestFirst = [...newestFirst].reverse();
  return {
    labels: oldestFirst.map((d) => d.at),
    series: [
      { name: 'desired', values: oldestFirst.map((d) => d.desired) },
      { name: 'current', values: oldestFirst.map((d) => d.current) },
    ],
  };
}

/** The newest fencing token among the decisions: the lease of the leader that made them. */
export function latestFencingToken(decisions: readonly ScalerDecisionRecord[]): number | undefined {
  let latest: number | undefined;
  for (const d of decisions) {
    if (d.fencingToken !== undefined && (latest === undefined || d.fencingToken > latest)) {
      latest = d.fencingToken;
    }
  }
  return latest;
}
