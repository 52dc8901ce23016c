import type { WorkflowView } from '@agentq/client';
import { paintState } from '../format/task-format.js';
import { elapsed, inline } from '../format/values.js';
import type { Printer } from './printer.js';

/** The workflow's state, then each step with its state, time and output (or error). */
export function printWorkflow(out: Printer, workflow: WorkflowView): void {
  if (out.mode === 'json') {
    out.json(workflow);
    return;
  }
  const { colors } = out;
  out.line(
    `workflow ${workflow.id}${workflow.name === null ? '' : ` (${workflow.name})`}: ${paintState(colors, workflow.state)}`,
  );
  out.table(
    ['step', 'agent', 'state', 'took', 'output or error'],
    workflow.steps.map((step) => [
      step.id,
      step.agent,
      paintState(colors, step.state),
      elapsed(step.startedAt, step.finishedAt),
      step.error === null
        ? inline(step.output)
        : colors.red(`${step.error.code}: ${step.error.message}`),
    ]),
  );
}
