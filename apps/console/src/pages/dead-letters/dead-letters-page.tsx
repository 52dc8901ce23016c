import { useState } from 'react';
import type { DeadLetterPage } from '@agentq/contracts';
import { usePagedList } from '../../hooks/use-paged-list.js';
import { useResource } from '../../hooks/use-resource.js';
import { ActionOutcome, useAction } from '../../components/action.js';
import { Empty, ErrorState, Loading } from '../../components/states.js';
import { formatJson, formatTime } from '../../format/format.js';
import { Link } from '../../routing/router.js';
import { useSession } from '../../session/session.js';
import { redriveSummary } from './redrive-summary.js';

const PAGE_SIZE = 50;

export function DeadLettersPage() {
  const { client } = useSession();
  const [pool, setPool] = useState('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const pools = useResource('pools', (signal) => client.pools.list({ signal }));
  const list = usePagedList(
    pool,
    (signal) =>
      client.deadLetters.listPages(
        { limit: PAGE_SIZE, ...(pool === '' ? {} : { pool }) },
        { signal },
      ),
    (page: DeadLetterPage) => ({ items: page.deadLetters, more: page.nextOffset !== null }),
  );
  const action = useAction();

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  const redrive = (request: { ids: string[] } | { pool: string }) =>
    action.run(async () => {
      const answer = await client.deadLetters.redrive(request);
      setSelected(new Set());
      list.reload();
      return redriveSummary(answer);
    });

  return (
    <>
      <h1>Dead letters</h1>
      <p className="muted">Tasks that failed for good, newest failure first.</p>
      <div className="filters">
        <label>
          Pool
          <select
            value={pool}
            onChange={(e) => {
              setPool(e.target.value);
              setSelected(new Set());
            }}
          >
            <option value="">any</option>
            {(pools.data ?? []).map(({ pool: name }) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="primary"
          disabled={selected.size === 0 || action.busy}
          onClick={() => redrive({ ids: [...selected] })}
        >
          Re-drive selected ({selected.size})
        </button>
        <button
          type="button"
          disabled={pool === '' || list.items.length === 0 || action.busy}
          onClick={() => redrive({ pool })}
          title={pool === '' ? 'Choose a pool first' : undefined}
        >
          Re-drive all of {pool === '' ? 'a pool' : pool}
        </button>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <ActionOutcome outcome={action.outcome} />
      {list.error !== undefined && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.loading && list.items.length === 0 ? (
        <Loading what="dead letters" />
      ) : list.items.length === 0 && list.error === undefined ? (
        <Empty title="No dead letters">Every task that failed for good would be listed here.</Empty>
      ) : (
        <ul className="dead-letters">
          {list.items.map((letter) => (
            <li key={letter.id} className="card">
              <div className="dead-letter-head">
                <input
                  type="checkbox"
                  id={`select-${letter.id}`}
                  checked={selected.has(letter.id)}
                  onChange={() => toggle(letter.id)}
                />
                <label htmlFor={`select-${letter.id}`} className="mono">
                  {letter.id}
                </label>
                <span>
                  {letter.agent} · {letter.pool} · {letter.priority}
                </span>
                <span className="muted">failed {formatTime(letter.failedAt)}</span>
                <Link to={{ page: 'task', id: letter.id }}>task</Link>
              </div>
              <p className="error-text">
                <code>{letter.error.code}</code> {letter.error.message}
              </p>
              <details>
                <summary>
                  {letter.attempts.length} attempt{letter.attempts.length === 1 ? '' : 's'} and
                  input
                </summary>
                <ol className="attempts">
                  {letter.attempts.map((attempt) => (
                    <li key={attempt.attempt}>
                      #{attempt.attempt} {formatTime(attempt.startedAt)} →{' '}
                      {formatTime(attempt.failedAt)}
                      {attempt.worker && <span className="mono"> on {attempt.worker}</span>}:{' '}
                      <code>{attempt.code}</code> {attempt.message}
                    </li>
                  ))}
                </ol>
                <pre className="json">{formatJson(letter.input)}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
      {list.hasMore && (
        <button type="button" onClick={list.loadMore} disabled={list.loading}>
          More dead letters
        </button>
      )}
    </>
  );
}
