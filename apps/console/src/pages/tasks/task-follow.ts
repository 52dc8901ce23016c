import type { TaskEvent } from '@agentq/client';
import type { TaskView } from '@agentq/contracts';

/** What the task page shows of a task it follows. */
export interface FollowedTask {
  view: TaskView | undefined;
  logs: string[];
  /** The latest progress the agent reported (undefined: none yet). */
  progress: unknown;
  /** Whether the stream ended with the task's final event. */
  ended: boolean;
}

export const NOT_YET_FOLLOWED: FollowedTask = {
  view: undefined,
  logs: [],
  progress: undefined,
  ended: false,
};

/** The followed task after one event of its stream. */
export function applyTaskEvent(task: FollowedTask, event: TaskEvent): FollowedTask {
  switch (event.event) {
    case 'log':
      return { ...task, logs: [...task.logs, event.data.line] };
    case 'progress':
      return { ...task, progress: event.data.progress };
    case 'state':
      return { ...task, view: event.data, progress: task.progress ?? event.data.progress };
    case 'completed':
    case 'failed':
    case 'cancelled':
      return { ...task, view: event.data, ended: true };
  }
}

/** What can be done to a task in its state. */
export function taskActions(view: TaskView): { cancel: boolean; retry: boolean } {
  return {
    cancel: view.state === 'waiting' || view.state === 'delayed' || view.state === 'active',
    retry: view.state === 'failed',
  };
}
