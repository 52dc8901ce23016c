import { useSession } from '../../session/session.js';
import { useResource } from '../../hooks/use-resource.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatCount } from '../../format/format.js';
import { HistoryCharts } from './history-charts.js';
import { waitAgainstObjective } from './wait-against-objective.js';
import { useWaitObjective } from './wait-objective.js';
import { TableHead } from '../../components/table-head.js';

/** How often the live counts are read again. */
const POOLS_REFRESH_MS = 3_000;

export function OverviewPage() {
  const { client } = useSession();
  const pools = useResource('pools', (signal) => client.pools.list({ signal }), POOLS_REFRESH_MS);
  const objective = useWaitObjective();

  return (
    <>
      <h1>Overview</h1>
      <section aria-labelledby="pools-title">
        <h2 id="pools-title">Pools now</h2>
        {pools.data === undefined && pools.error !== undefined ? (
          <ErrorState error={pools.error} onRetry={pools.reload} />
        ) : pools.data === undefined ? (
          <Loading what="pools" />
        ) : pools.data.length === 0 ? (
          <Empty title="No pools">The gateway serves no pool (AGENTQ_POOLS).</Empty>
        ) : (
          <>
            {pools.error !== undefined && <ErrorState error={pools.error} />}
            <div className="table-scroll">
              <table className="pools">
                <TableHead
                  columns={[
                    'Pool',
                    'Waiting',
                    'Prioritized',
                    'Delayed',
                    'Active',
                    'Failed',
                    'Workers',
                    'Slots',
                    objective === undefined ? 'Oldest wait' : 'Oldest wait / objective',
                  ]}
                />
                <tbody>
                  {pools.data.map((pool) => (
                    <tr key={pool.pool}>
                      <th scope="row">{pool.pool}</th>
                      <td>{formatCount(pool.counts.waiting)}</td>
                      <td>{formatCount(pool.counts.prioritized)}</td>
                      <td>{formatCount(pool.counts.delayed)}</td>
                      <td>{formatCount(pool.counts.active)}</td>
                      <td>{formatCount(pool.counts.failed)}</td>
                      <td>{pool.workers}</td>
                      <td>{pool.slots}</td>
                      <OldestWait seconds={pool.oldestWaitingAgeSeconds} objective={objective} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      <HistoryCharts />
    </>
  );
}

function OldestWait({ seconds, objective }: { seconds: number | null; objective?: number }) {
  const { text, over } = waitAgainstObjective(seconds, objective);
  return <td className={over ? 'over-objective' : undefined}>{text}</td>;
}
