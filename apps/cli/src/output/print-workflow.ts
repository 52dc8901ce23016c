import type { WorkflowSummary, WorkflowView } from '@agentq/client';
import type { Colors } from '../format/colors.js';
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

export const WORKFLOW_TABLE_HEAD = [
  'id',
  'name',
  'state',
  'steps done',
  'failed',
  'created',
  'took',
];

/** One workflow of a listing: `steps done` is completed of all. */
export function workflowRow(colors: Colors, workflow: WorkflowSummary): string[] {
  const { steps } = workflow;
  return [
    workflow.id,
    inline(workflow.name),
    paintState(colors, workflow.state),
    `${steps.completed}/${steps.total}`,
    steps.failed === 0 ? '0' : colors.red(String(steps.failed)),
    workflow.createdAt,
    elapsed(workflow.createdAt, workflow.finishedAt),
  ];
}
