import type { TaskView } from '@agentq/contracts';
import { useResource } from '../../hooks/use-resource.js';
import { ErrorState } from '../../components/states.js';
import { durationBetween, formatDuration, formatTime } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { TableHead } from '../../components/table-head.js';

/**
 * A task's runs: each failed attempt (its worker, timing and error, as the worker recorded
 * it), then the latest run as the task view tells it, unless that run is the last failure.
 */
export function TaskAttempts({ view }: { view: TaskView }) {
  const { client } = useSession();
  const failedForGood = view.state === 'failed';
  const attempts = useResource(`attempts:${view.id}:${view.state}:${view.attemptsMade}`, (signal) =>
    client.tasks.attempts(view.id, { signal }),
  );
  const took = durationBetween(view.startedAt, view.finishedAt);

  return (
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <p>
        {view.runs} run{view.runs === 1 ? '' : 's'}
        {attempts.data && `, ${attempts.data.attempts.length} failed`}.
      </p>
      <div className="table-scroll">
        <table>
          <TableHead columns={['Attempt', 'Worker', 'Started', 'Ended', 'Took', 'Error']} />
          <tbody>
            {(attempts.data?.attempts ?? []).map((attempt) => (
              <tr key={attempt.attempt}>
                <td>{attempt.attempt}</td>
                <td className="mono">{attempt.worker ?? '—'}</td>
                <td>{formatTime(attempt.startedAt)}</td>
                <td>{formatTime(attempt.failedAt)}</td>
                <td>{formatOptional(durationBetween(attempt.startedAt, attempt.failedAt))}</td>
                <td>
                  <code>{attempt.code}</code> {attempt.message}
                </td>
              </tr>
            ))}
            {!failedForGood && view.startedAt !== null && (
              <tr>
                <td>latest</td>
                <td className="mono">{view.worker ?? '—'}</td>
                <td>{formatTime(view.startedAt)}</td>
                <td>{formatTime(view.finishedAt)}</td>
                <td>{formatOptional(took)}</td>
                <td>{view.error ? `${view.error.code} ${view.error.message}` : '—'}</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {attempts.error !== undefined && <ErrorState error={attempts.error} />}
    </section>
  );
}

const formatOptional = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
