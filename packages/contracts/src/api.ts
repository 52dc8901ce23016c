import { z } from 'zod';
import {
  AgentNameSchema,
  TaskAcceptedSchema,
  TaskSpecSchema,
  TaskStateSchema,
  TaskViewSchema,
} from './task.js';
import { PoolNameSchema } from './pool.js';
import { PriorityLevelSchema } from './priority.js';
import { WORKFLOW_STATES, WorkflowSummarySchema } from './workflow.js';

/** Bounds of the HTTP API. */
export const ApiLimits = {
  maxBatchTasks: 1000,
  maxWaitSeconds: 60,
  maxListLimit: 200,
  defaultListLimit: 50,
} as const;

/** `POST /v1/tasks/batch`: every task is validated before any is queued. */
export const BatchSubmitSchema = z
  .object({ tasks: z.array(TaskSpecSchema).min(1).max(ApiLimits.maxBatchTasks) })
  .strict();
export type BatchSubmit = z.output<typeof BatchSubmitSchema>;

export const BatchAcceptedSchema = z.object({ tasks: z.array(TaskAcceptedSchema) });
export type BatchAccepted = z.infer<typeof BatchAcceptedSchema>;

/** `?wait=<seconds>`: hold the answer until the task finished or the time is up. */
export const WaitQuerySchema = z.object({
  wait: z.coerce.number().min(0).max(ApiLimits.maxWaitSeconds).optional(),
});

/** The `limit` query parameter of every listing endpoint. */
export const ListLimitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(ApiLimits.maxListLimit)
  .default(ApiLimits.defaultListLimit);

/** `GET /v1/tasks` filters and page. `cursor` is opaque: pass back `nextCursor`. */
export const TaskListQuerySchema = z.object({
  state: TaskStateSchema.optional(),
  pool: PoolNameSchema.optional(),
  agent: AgentNameSchema.optional(),
  priority: PriorityLevelSchema.optional(),
  limit: ListLimitSchema,
  cursor: z.string().min(1).max(200).optional(),
});
export type TaskListQuery = z.output<typeof TaskListQuerySchema>;

export const TaskPageSchema = z.object({
  tasks: z.array(TaskViewSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type TaskPage = z.infer<typeof TaskPageSchema>;

/** `GET /v1/workflows` filter and page. `cursor` is opaque: pass back `nextCursor`. */
export const WorkflowListQuerySchema = z.object({
  state: z.enum(WORKFLOW_STATES).optional(),
  limit: ListLimitSchema,
  cursor: z.string().min(1).max(200).optional(),
});
export type WorkflowListQuery = z.output<typeof WorkflowListQuerySchema>;

export const WorkflowPageSchema = z.object({
  /** Newest first. */
  workflows: z.array(WorkflowSummarySchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: z.string().nullable(),
});
export type WorkflowPage = z.infer<typeof WorkflowPageSchema>;

/** `GET /v1/tasks/:id/logs`. */
export const TaskLogsSchema = z.object({ logs: z.array(z.string()), count: z.number().int() });
export type TaskLogs = z.infer<typeof TaskLogsSchema>;

/** `GET /v1/pools`: one entry per pool the gateway serves. */
export const PoolStatsSchema = z.object({
  pool: PoolNameSchema,
  counts: z.object({
    waiting: z.number().int(),
    prioritized: z.number().int(),
    delayed: z.number().int(),
    active: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
  }),
  /** Age of the oldest task waiting to start, null when none waits. */
  oldestWaitingAgeSeconds: z.number().nullable(),
  /** Workers connected to the pool's queue. */
  workers: z.number().int(),
  /**
   * Task slots those workers give the pool (their concurrency here), as their names tell;
   * a worker that is not agentq's counts none.
   */
  slots: z.number().int(),
});
export type PoolStats = z.infer<typeof PoolStatsSchema>;

/**
 * Server-Sent Event names of `GET /v1/tasks/:id/events`. The stream ends after one of
 * `completed`, `failed`, `cancelled`, or `shutdown` (the gateway is stopping: reconnect).
 */
export const TASK_STREAM_EVENTS = [
  'state',
  'progress',
  'log',
  'completed',
  'failed',
  'cancelled',
  'shutdown',
] as const;
export type TaskStreamEvent = (typeof TASK_STREAM_EVENTS)[number];
