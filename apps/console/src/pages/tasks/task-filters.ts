import type { PriorityLevel, TaskState } from '@agentq/contracts';

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

/** The filters for `GET /v1/tasks`; empty ones left out. */
export function serverQuery(filters: TaskFilters): {
  state?: TaskState;
  pool?: string;
  agent?: string;
  priority?: PriorityLevel;
} {
  return {
    ...(filters.state === '' ? {} : { state: filters.state }),
    ...(filters.pool === '' ? {} : { pool: filters.pool }),
    ...(filters.agent.trim() === '' ? {} : { agent: filters.agent.trim() }),
    ...(filters.priority === '' ? {} : { priority: filters.priority }),
  };
}
