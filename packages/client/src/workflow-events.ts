import type { WorkflowEvent } from '@agentq/contracts';

type WorkflowEventName = WorkflowEvent['kind'];

/** One event of `GET /v1/workflows/:id/events`; `id` is what Last-Event-ID resumes after. */
export type WorkflowStreamEvent = {
  [K in WorkflowEventName]: {
    event: K;
    id: string | undefined;
    data: Omit<Extract<WorkflowEvent, { kind: K }>, 'kind'>;
  };
}[WorkflowEventName];

/** The workflow event with `final: true` is the stream's last. */
export function isFinalWorkflowEvent(event: WorkflowStreamEvent): boolean {
  return event.event === 'workflow' && event.data.final;
}
