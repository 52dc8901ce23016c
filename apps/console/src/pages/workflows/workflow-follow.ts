import type { WorkflowStreamEvent } from '@agentq/client';
import type { StepView, WorkflowView } from '@agentq/contracts';

/** The workflow after one event of its stream: a step's or the workflow's new state. */
export function applyWorkflowEvent(view: WorkflowView, event: WorkflowStreamEvent): WorkflowView {
  if (event.event === 'workflow') {
    return {
      ...view,
      state: event.data.state,
      finishedAt: event.data.final ? event.data.at : view.finishedAt,
    };
  }
  const { step, state, at } = event.data;
  return {
    ...view,
    steps: view.steps.map((s) => (s.id === step ? withState(s, state, at) : s)),
  };
}

function withState(step: StepView, state: StepView['state'], at: string): StepView {
  const started = state === 'running' && step.startedAt === null ? { startedAt: at } : {};
  const ended =
    state === 'completed' || state === 'failed' || state === 'cancelled' || state === 'skipped';
  return { ...step, ...started, state, ...(ended ? { finishedAt: at } : {}) };
}

/** Whether a step's stream event says more than its state (its output or error): read it. */
export function needsDetails(event: WorkflowStreamEvent): boolean {
  return event.event === 'workflow'
    ? event.data.final
    : event.data.state === 'completed' || event.data.state === 'failed';
}
