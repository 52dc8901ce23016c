import { useEffect, useRef } from 'react';
import { traceLink, useConsoleSettings } from '../../api/console-settings.js';
import { ActionOutcome, useAction } from '../../components/action.js';
import { StateBadge } from '../../components/state-badge.js';
import { ErrorState, Loading } from '../../components/states.js';
import { formatJson, formatTime } from '../../format/format.js';
import { Link } from '../../routing/router.js';
import { useSession } from '../../session/session.js';
import { TaskAttempts } from './task-attempts.js';
import { taskActions } from './task-follow.js';
import { useFollowedTask } from './use-followed-task.js';

export function TaskPage({ id }: { id: string }) {
  const { client } = useSession();
  const task = useFollowedTask(id);
  const action = useAction();
  const logEnd = useRef<HTMLLIElement>(null);

  useEffect(() => {
    logEnd.current?.scrollIntoView({ block: 'nearest' });
  }, [task.logs.length]);

  if (task.view === undefined) {
    return (
      <>
        <h1>Task</h1>
        {task.error === undefined ? (
          <Loading what={`task ${id}`} />
        ) : (
          <ErrorState error={task.error} onRetry={task.refollow} />
        )}
      </>
    );
  }
  const { view } = task;
  const allowed = taskActions(view);

  const cancel = () =>
    action.run(async () => {
      const answer = await client.tasks.cancel(id);
      return `Cancel asked: the task is ${answer.state}.`;
    });
  const retry = () =>
    action.run(async () => {
      await client.tasks.retry(id);
      task.refollow();
      return 'The task runs again.';
    });

  return (
    <>
      <p className="breadcrumb">
        <Link to={{ page: 'tasks' }}>Tasks</Link> /
      </p>
      <h1 className="mono">{id}</h1>
      <div className="toolbar">
        <StateBadge state={view.state} />
        {!task.ended && task.error === undefined && (
          <span className="live" role="status">
            live
          </span>
        )}
        <button type="button" onClick={cancel} disabled={!allowed.cancel || action.busy}>
          Cancel
        </button>
        <button type="button" onClick={retry} disabled={!allowed.retry || action.busy}>
          Retry
        </button>
      </div>
      <ActionOutcome outcome={action.outcome} />
      {task.error !== undefined && <ErrorState error={task.error} onRetry={task.refollow} />}
      <dl className="facts">
        <dt>Agent</dt>
        <dd>{view.agent}</dd>
        <dt>Pool</dt>
        <dd>{view.pool}</dd>
        <dt>Priority</dt>
        <dd>{view.priority}</dd>
        <dt>Progress</dt>
        <dd>{formatJson(task.progress)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(view.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{formatTime(view.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(view.finishedAt)}</dd>
        {view.traceId !== undefined && (
          <>
            <dt>Trace</dt>
            <dd>
              <TraceId traceId={view.traceId} />
            </dd>
          </>
        )}
      </dl>
      <section aria-labelledby="log-title">
        <h2 id="log-title">Log</h2>
        {task.logs.length === 0 ? (
          <p className="muted">No log lines yet.</p>
        ) : (
          <ol className="log" aria-live="polite">
            {task.logs.map((line, i) => (
              <li key={i} ref={i === task.logs.length - 1 ? logEnd : undefined}>
                {line}
              </li>
            ))}
          </ol>
        )}
      </section>
      {view.state === 'completed' && (
        <section aria-labelledby="result-title">
          <h2 id="result-title">Result</h2>
          <pre className="json">{formatJson(view.result)}</pre>
        </section>
      )}
      {view.error && (
        <section aria-labelledby="error-title">
          <h2 id="error-title">Error</h2>
          <pre className="json error-text">
            {view.error.code}: {view.error.message}
          </pre>
        </section>
      )}
      <TaskAttempts view={view} />
    </>
  );
}

/** The task's trace id, a link to the trace where the deployment names a trace viewer. */
function TraceId({ traceId }: { traceId: string }) {
  const href = traceLink(useConsoleSettings(), traceId);
  if (href === undefined) return <span className="mono">{traceId}</span>;
  return (
    <a className="mono" href={href} target="_blank" rel="noreferrer">
      {traceId}
    </a>
  );
}
