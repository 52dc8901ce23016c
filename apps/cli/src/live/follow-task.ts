import type { AgentqClient, TaskView } from '@agentq/client';
import { progressPercent } from '../format/values.js';
import type { TaskRenderer } from './task-renderer.js';

/**
 * Shows the task's events until its final one, which it answers; undefined when `signal`
 * aborted first (detached). Missed lines are resent on reconnecting, never repeated.
 */
export async function followTask(
  client: AgentqClient,
  id: string,
  renderer: TaskRenderer,
  signal: AbortSignal,
): Promise<TaskView | undefined> {
  try {
    for await (const event of client.tasks.events(id, { signal })) {
      switch (event.event) {
        case 'log':
          renderer.log(event.data.line);
          break;
        case 'progress': {
          const percent = progressPercent(event.data.progress);
          if (percent !== undefined) renderer.progress(percent);
          break;
        }
        case 'state': {
          renderer.state(event.data.state);
          const percent = progressPercent(event.data.progress);
          if (percent !== undefined) renderer.progress(percent);
          break;
        }
        case 'completed':
        case 'failed':
        case 'cancelled':
          if (event.event === 'completed') renderer.progress(100);
          renderer.state(event.data.state);
          return event.data;
      }
    }
  } catch (error) {
    if (signal.aborted) return undefined;
    throw error;
  } finally {
    renderer.stop();
  }
  return undefined;
}
