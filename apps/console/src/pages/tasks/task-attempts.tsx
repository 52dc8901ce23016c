import type { TaskView } from '@agentq/contracts';
import { describeError } from '../../api/describe-error.js';
import { useResource } from '../../hooks/use-resource.js';
import { ErrorState } from '../../components/states.js';
import { durationBetween, formatDuration, formatTime } from '../../format/format.js';
import { useSession } from '../../session/session.js';
import { TableHead } from '../../components/table-head.js';

/**
 * A task's runs. The task view tells the latest run (worker, start, end) and how many runs
 * and failed attempts there were; each failed attempt's worker, timing and error comes from
 * the task's dead letter once it failed for good.
 */
export function TaskAttempts({ view }: { view: TaskView }) {
  const { client } = useSession();
  const failedForGood = view.state === 'failed';
  const deadLetter = useResource(
    `dead-letter:${view.id}:${view.state}:${view.attemptsMade}`,
    (signal) =>
      failedForGood ? client.deadLetters.get(view.id, { signal }) : Promise.resolve(null),
  );
  const took = durationBetween(view.startedAt, view.finishedAt);
  const missing =
    deadLetter.error !== undefined && describeError(deadLetter.error).kind === 'not-found';

  return (
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <p>
        {view.runs} run{view.runs === 1 ? '' : 's'}, {view.attemptsMade} failed attempt
        {view.attemptsMade === 1 ? '' : 's'}.
      </p>
      <div className="table-scroll">
        <table>
          <TableHead columns={['Attempt', 'Worker', 'Started', 'Ended', 'Took', 'Error']} />
          <tbody>
            {(deadLetter.data?.attempts ?? []).map((attempt) => (
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
      {deadLetter.error !== undefined && !missing && <ErrorState error={deadLetter.error} />}
    </section>
  );
}

const formatOptional = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
