import type { TaskState, TaskView } from '@agentq/client';
import type { Colors } from './colors.js';
import { elapsed, inline } from './values.js';

/** A state word coloured by what it means: green done, red failed, yellow cancelled. */
export function paintState(colors: Colors, state: string): string {
  switch (state as TaskState) {
    case 'completed':
      return colors.green(state);
    case 'failed':
      return colors.red(state);
    case 'cancelled':
      return colors.yellow(state);
    case 'active':
      return colors.cyan(state);
    case 'waiting':
    case 'delayed':
      return state;
  }
  return state;
}

export const TASK_TABLE_HEAD = ['id', 'agent', 'state', 'pool', 'priority', 'created', 'took'];

export function taskRow(colors: Colors, task: TaskView): string[] {
  return [
    task.id,
    task.agent,
    paintState(colors, task.state),
    task.pool,
    task.priority,
    task.createdAt,
    elapsed(task.startedAt, task.finishedAt),
  ];
}

/** Every field of a task a person asks `get` for, in reading order. */
export function taskFields(colors: Colors, task: TaskView): [string, string][] {
  const fields: [string, string][] = [
    ['id', task.id],
    ['agent', task.agent],
    ['state', paintState(colors, task.state)],
    ['pool', task.pool],
    ['priority', task.priority],
    ['progress', inline(task.progress)],
    ['runs', String(task.runs)],
    ['attempts made', String(task.attemptsMade)],
    ['created', task.createdAt],
    ['started', inline(task.startedAt)],
    ['finished', inline(task.finishedAt)],
    ['took', elapsed(task.startedAt, task.finishedAt)],
  ];
  if (task.worker !== null) fields.push(['worker', task.worker]);
  if (task.error !== null)
    fields.push(['error', colors.red(`${task.error.code}: ${task.error.message}`)]);
  if (task.state === 'completed') fields.push(['result', inline(task.result)]);
  return fields;
}
