import { useState } from 'react';
import { useResource } from '../../hooks/use-resource.js';
import { ActionOutcome, useAction } from '../../components/action.js';
import { LineChart } from '../../components/line-chart.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatClock, formatDuration, formatTime } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { latestFencingToken, workerSeries } from './decision-series.js';
import { PinDialog, type PinRequest } from './pin-dialog.js';
import { TableHead } from '../../components/table-head.js';

const STATUS_REFRESH_MS = 3_000;
const DECISIONS_REFRESH_MS = 5_000;
const DECISIONS_SHOWN = 100;

type Dialog = { kind: 'pin'; pool: string; current: number } | { kind: 'unpin'; pool: string };

/** The scaler, for admin keys: per pool desired vs current workers, decisions and pins. */
export function ScalerPage() {
  const { client } = useSession();
  const status = useResource(
    'scaler-status',
    (signal) => client.scaler.status({ signal }),
    STATUS_REFRESH_MS,
  );
  const [pool, setPool] = useState<string>();
  const [dialog, setDialog] = useState<Dialog>();
  const action = useAction();

  if (status.data === undefined) {
    return (
      <>
        <h1>Scaler</h1>
        {status.error === undefined ? (
          <Loading what="the scaler's status" />
        ) : (
          <ErrorState error={status.error} onRetry={status.reload} />
        )}
      </>
    );
  }
  const pools = Object.entries(status.data.pools);
  const shown = pool ?? pools[0]?.[0];
  const token = latestFencingToken(status.data.decisions);

  const pin = (request: PinRequest) => {
    setDialog(undefined);
    action.run(async () => {
      const { pool: name, ...body } = request;
      const answer = await client.scaler.pin(name, body);
      status.reload();
      return `Pinned ${answer.pool} to ${answer.replicas ?? request.replicas} workers${
        answer.ttlSeconds ? ` for ${answer.ttlSeconds} s` : ''
      }.`;
    });
  };
  const unpin = (name: string) => {
    setDialog(undefined);
    action.run(async () => {
      await client.scaler.unpin(name);
      status.reload();
      return `Pin of ${name} cleared: the policy decides again.`;
    });
  };

  return (
    <>
      <h1>Scaler</h1>
      <p>
        This scaler instance{' '}
        <strong className={status.data.leader ? 'leader' : 'standby'}>
          {status.data.leader ? 'leads' : 'is a standby'}
        </strong>
        ; fencing token of its latest decisions: <strong>{token ?? '—'}</strong>.
      </p>
      {status.error !== undefined && <ErrorState error={status.error} />}
      <ActionOutcome outcome={action.outcome} />
      {pools.length === 0 ? (
        <Empty title="No pools">The scaler manages no pool.</Empty>
      ) : (
        <div className="table-scroll">
          <table>
            <TableHead
              columns={[
                'Pool',
                'Current',
                'Desired',
                'Pinned',
                'Backlog',
                'Active',
                'Oldest wait',
                'Arrivals/s',
                'Pin',
              ]}
            />
            <tbody>
              {pools.map(([name, view]) => (
                <tr key={name} data-pool={name}>
                  <th scope="row">{name}</th>
                  <td>{view.current}</td>
                  <td>{view.desired}</td>
                  <td data-testid={`pinned-${name}`}>{view.pinned ?? '—'}</td>
                  <td>{view.observation?.backlog ?? '—'}</td>
                  <td>{view.observation?.active ?? '—'}</td>
                  <td>
                    {view.observation ? formatDuration(view.observation.oldestWaitS * 1000) : '—'}
                  </td>
                  <td>{view.observation?.arrivalRate.toFixed(2) ?? '—'}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() => setDialog({ kind: 'pin', pool: name, current: view.current })}
                    >
                      Pin {name}
                    </button>
                    <button
                      type="button"
                      disabled={view.pinned === undefined || action.busy}
                      onClick={() => setDialog({ kind: 'unpin', pool: name })}
                    >
                      Clear pin
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown !== undefined && (
        <Decisions pool={shown} pools={pools.map(([name]) => name)} onPool={setPool} />
      )}
      {dialog?.kind === 'pin' && (
        <PinDialog
          pool={dialog.pool}
          current={dialog.current}
          onConfirm={pin}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'unpin' && (
        <ConfirmDialog
          title={`Clear the pin of ${dialog.pool}?`}
          message="The scaler's policy decides the number of workers again from its next round."
          confirmLabel="Clear pin"
          onConfirm={() => unpin(dialog.pool)}
          onClose={() => setDialog(undefined)}
        />
      )}
    </>
  );
}

interface DecisionsProps {
  pool: string;
  pools: string[];
  onPool: (pool: string) => void;
}

/** A pool's decisions that changed a count: as a chart over time and as a timeline. */
function Decisions({ pool, pools, onPool }: DecisionsProps) {
  const { client } = useSession();
  const decisions = useResource(
    `decisions:${pool}`,
    (signal) => client.scaler.decisions({ pool, limit: DECISIONS_SHOWN }, { signal }),
    DECISIONS_REFRESH_MS,
  );
  let body;
  if (decisions.data === undefined) {
    body =
      decisions.error === undefined ? (
        <Loading what="decisions" />
      ) : (
        <ErrorState error={decisions.error} onRetry={decisions.reload} />
      );
  } else if (decisions.data.decisions.length === 0) {
    body = (
      <Empty title="No decisions yet">Decisions that change a pool&apos;s workers show here.</Empty>
    );
  } else {
    const { labels, series } = workerSeries(decisions.data.decisions);
    body = (
      <>
        <LineChart
          title={`Workers of ${pool}: desired and current`}
          labels={labels.map(formatClock)}
          series={series}
          formatValue={String}
        />
        <ol className="timeline" aria-label={`Decisions of ${pool}, newest first`}>
          {decisions.data.decisions.map((d) => (
            <li key={`${d.at}-${d.fencingToken ?? ''}`} className={`direction-${d.direction}`}>
              <p>
                <time dateTime={d.at}>{formatTime(d.at)}</time>{' '}
                <strong>
                  {d.current} → {d.desired}
                </strong>{' '}
                <span className="badge">{d.reason}</span>{' '}
                <span className="muted">fencing token {d.fencingToken ?? '—'}</span>
              </p>
              <p>{d.rationale}</p>
              <details>
                <summary>Inputs</summary>
                <dl className="facts compact">
                  {Object.entries(d.inputs).map(([name, value]) => (
                    <div key={name}>
                      <dt>{name}</dt>
                      <dd>{value === undefined ? '—' : String(value)}</dd>
                    </div>
                  ))}
                </dl>
              </details>
            </li>
          ))}
        </ol>
      </>
    );
  }
  return (
    <section aria-labelledby="decisions-title">
      <h2 id="decisions-title">Decisions</h2>
      <label className="inline-field">
        Pool{' '}
        <select value={pool} onChange={(event) => onPool(event.target.value)}>
          {pools.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      {body}
    </section>
  );
}
