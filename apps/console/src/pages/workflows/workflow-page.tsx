import { useState } from 'react';
import { ActionOutcome, useAction } from '../../components/action.js';
import { StateBadge } from '../../components/state-badge.js';
import { ErrorState, Loading } from '../../components/states.js';
import { durationBetween, formatDuration, formatJson, formatTime } from '../../format/format.js';
import { Link } from '../../routing/router.js';
import { useSession } from '../../session/session.js';
import { useFollowedWorkflow } from './use-followed-workflow.js';
import { WorkflowGraph } from './workflow-graph.js';

export function WorkflowPage({ id }: { id: string }) {
  const { client } = useSession();
  const workflow = useFollowedWorkflow(id);
  const [selected, setSelected] = useState<string>();
  const action = useAction();

  if (workflow.view === undefined) {
    return (
      <>
        <h1>Workflow</h1>
        {workflow.error === undefined ? (
          <Loading what={`workflow ${id}`} />
        ) : (
          <ErrorState error={workflow.error} onRetry={workflow.reload} />
        )}
      </>
    );
  }
  const { view } = workflow;
  const steps = view.steps;
  const step = steps.find((s) => s.id === selected);
  const cancel = () =>
    action.run(async () => {
      await client.workflows.cancel(id);
      return 'Cancel asked: pending steps are cancelled, running ones aborted.';
    });

  return (
    <>
      <p className="breadcrumb">
        <Link to={{ page: 'workflows' }}>Workflows</Link> /
      </p>
      <h1 className="mono">{view.name ? `${view.name} (${id})` : id}</h1>
      <div className="toolbar">
        <StateBadge state={view.state} />
        {workflow.live && (
          <span className="live" role="status">
            live
          </span>
        )}
        <button type="button" onClick={cancel} disabled={view.state !== 'running' || action.busy}>
          Cancel workflow
        </button>
      </div>
      <ActionOutcome outcome={action.outcome} />
      {workflow.error !== undefined && (
        <ErrorState error={workflow.error} onRetry={workflow.reload} />
      )}
      <p className="muted">
        {steps.length} steps, on failure {view.onFailure}; created {formatTime(view.createdAt)}
        {view.finishedAt && `, ended ${formatTime(view.finishedAt)}`}. Select a step for its
        details.
      </p>
      <WorkflowGraph steps={steps} selected={selected} onSelect={setSelected} />
      {step && (
        <section className="card step-details" aria-labelledby="step-title">
          <h2 id="step-title">
            Step <span className="mono">{step.id}</span> <StateBadge state={step.state} />
          </h2>
          <dl className="facts">
            <dt>Agent</dt>
            <dd>
              {step.agent} in pool {step.pool}
            </dd>
            <dt>After</dt>
            <dd>{step.dependsOn.length === 0 ? '—' : step.dependsOn.join(', ')}</dd>
            <dt>Task</dt>
            <dd>
              {step.taskId ? (
                <Link to={{ page: 'task', id: step.taskId }} className="mono">
                  {step.taskId}
                </Link>
              ) : (
                'not queued yet'
              )}
            </dd>
            <dt>Attempts</dt>
            <dd>{step.attempts}</dd>
            <dt>Started</dt>
            <dd>{formatTime(step.startedAt)}</dd>
            <dt>Took</dt>
            <dd>{formatDurationOrDash(durationBetween(step.startedAt, step.finishedAt))}</dd>
          </dl>
          <h3>Input</h3>
          <pre className="json">{formatJson(step.input)}</pre>
          <h3>Output</h3>
          <pre className="json">{formatJson(step.output)}</pre>
          {step.error && (
            <>
              <h3>Error</h3>
              <pre className="json error-text">
                {step.error.code}: {step.error.message}
              </pre>
            </>
          )}
        </section>
      )}
    </>
  );
}

const formatDurationOrDash = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
