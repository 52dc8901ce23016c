import { useState } from 'react';
import { useResource } from '../../hooks/use-resource.js';
import { LineChart } from '../../components/line-chart.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatClock, formatCount, formatDuration } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { poolCharts } from './history-series.js';

const HISTORY_MINUTES = 60;
/** Workers write their minute counts once a second; a chart of minutes needs no faster. */
const HISTORY_REFRESH_MS = 15_000;

/** The last hour of one pool: throughput and submit→start latency, per minute. */
export function HistoryCharts() {
  const { client } = useSession();
  const history = useResource(
    'history',
    (signal) => client.pools.history({ minutes: HISTORY_MINUTES }, { signal }),
    HISTORY_REFRESH_MS,
  );
  const [chosen, setChosen] = useState<string | undefined>();

  let body;
  if (history.data === undefined) {
    body =
      history.error === undefined ? (
        <Loading what="the last hour" />
      ) : (
        <ErrorState error={history.error} onRetry={history.reload} />
      );
  } else {
    const pools = history.data.pools;
    const shown = pools.find((p) => p.pool === chosen) ?? pools[0];
    if (shown === undefined) {
      body = <Empty title="No history yet" />;
    } else {
      const charts = poolCharts(shown.minutes);
      const labels = charts.labels.map(formatClock);
      body = (
        <>
          <label className="inline-field">
            Pool{' '}
            <select value={shown.pool} onChange={(event) => setChosen(event.target.value)}>
              {pools.map((p) => (
                <option key={p.pool}>{p.pool}</option>
              ))}
            </select>
          </label>
          <p className="muted">
            Last hour: {formatCount(charts.totals.completed)} completed,{' '}
            {formatCount(charts.totals.failed)} failed, {formatCount(charts.totals.retried)}{' '}
            retried; worst p95 start latency{' '}
            {charts.worstP95Ms === null ? '—' : formatDuration(charts.worstP95Ms)}, worst p99{' '}
            {charts.worstP99Ms === null ? '—' : formatDuration(charts.worstP99Ms)}.
          </p>
          <div className="charts">
            <LineChart
              title="Throughput (tasks per minute)"
              labels={labels}
              series={charts.throughput}
              formatValue={formatCount}
            />
            <LineChart
              title="Submit → start latency"
              labels={labels}
              series={charts.latency}
              formatValue={formatDuration}
            />
          </div>
        </>
      );
    }
  }
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Last hour</h2>
      {body}
    </section>
  );
}
