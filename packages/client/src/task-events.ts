import type { TaskState, TaskStreamEvent, TaskView } from '@agentq/contracts';

/** Event names a caller sees; `shutdown` is handled by reconnecting. */
export type TaskEventName = Exclude<TaskStreamEvent, 'shutdown'>;

/** What each event of `GET /v1/tasks/:id/events` carries. */
export type TaskEventData<E extends TaskEventName> = E extends 'log'
  ? { line: string }
  : E extends 'progress'
    ? { progress: unknown }
    : TaskView;

/** One event of a task's stream; `id` is what Last-Event-ID resumes after. */
export type TaskEvent = {
  [E in TaskEventName]: { event: E; id: string | undefined; data: TaskEventData<E> };
}[TaskEventName];

/** A task's final states, which are also the names of its stream's last events. */
const FINAL: ReadonlySet<string> = new Set<TaskState & TaskEventName>([
  'completed',
  'failed',
  'cancelled',
]);

/** Whether the event is the task's last: the stream ends after it. */
export function isFinalTaskEvent(event: string | undefined): boolean {
  return event !== undefined && FINAL.has(event);
}

export function isFinalTask(view: TaskView): boolean {
  return FINAL.has(view.state);
}
