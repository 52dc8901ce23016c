import type { PriorityLevel, TaskState, TaskView } from '@agentq/contracts';

// Listed here, typed against the contracts: importing their runtime lists would bundle zod.
export const TASK_STATE_OPTIONS = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly TaskState[];

export const PRIORITY_OPTIONS = [
  'critical',
  'high',
  'normal',
  'low',
] as const satisfies readonly PriorityLevel[];

export interface TaskFilters {
  state: TaskState | '';
  pool: string;
  agent: string;
  priority: PriorityLevel | '';
}

export const NO_FILTERS: TaskFilters = { state: '', pool: '', agent: '', priority: '' };

/** The filters `GET /v1/tasks` applies itself (state, pool, agent); empty ones left out. */
export function serverQuery(filters: TaskFilters): {
  state?: TaskState;
  pool?: string;
  agent?: string;
} {
  return {
    ...(filters.state === '' ? {} : { state: filters.state }),
    ...(filters.pool === '' ? {} : { pool: filters.pool }),
    ...(filters.agent.trim() === '' ? {} : { agent: filters.agent.trim() }),
  };
}

/** The priority filter, applied to the tasks listed: the list route takes none. */
export function matchesPriority(task: TaskView, filters: TaskFilters): boolean {
  return filters.priority === '' || task.priority === filters.priority;
}
