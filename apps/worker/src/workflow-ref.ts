import type { Job } from 'bullmq';
import { WorkflowRefSchema, type WorkflowRef } from '@agentq/contracts';

/** The workflow step a task runs, if it is one. */
export function workflowRefOf(job: Job): WorkflowRef | undefined {
  const workflow = (job.data as { workflow?: unknown }).workflow;
  // Most tasks are no step: skip the parse, whose failure builds an error (with a stack
  // trace) on every task.
  if (workflow === undefined) return undefined;
  const ref = WorkflowRefSchema.safeParse(workflow);
  return ref.success ? ref.data : undefined;
}
