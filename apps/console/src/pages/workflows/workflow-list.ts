import type { WorkflowState, WorkflowSummary } from '@agentq/contracts';

// Listed here, typed against the contracts: importing their runtime lists would bundle zod.
export const WORKFLOW_STATE_OPTIONS = [
  'running',
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly WorkflowState[];

/** The listing's query for a chosen state ('' for any). */
export function workflowQuery(state: WorkflowState | ''): { state?: WorkflowState } {
  return state === '' ? {} : { state };
}

/**
 * A workflow's steps in words: how many completed of all, then those that failed and those
 * that ended otherwise (skipped or cancelled), when there are any.
 */
export function stepsSummary(steps: WorkflowSummary['steps']): string {
  const parts = [`${steps.completed}/${steps.total} completed`];
  if (steps.failed > 0) parts.push(`${steps.failed} failed`);
  const otherwise = steps.total - steps.unfinished - steps.completed - steps.failed;
  if (otherwise > 0) parts.push(`${otherwise} skipped or cancelled`);
  return parts.join(', ');
}
