import { z } from 'zod';
import { ListLimitSchema } from './api.js';
import { PoolNameSchema } from './pool.js';
import { PriorityLevelSchema } from './priority.js';
import { AgentNameSchema, MetadataSchema, TaskErrorSchema } from './task.js';

/** Bounds of the dead-letter endpoints. */
export const DeadLetterLimits = {
  /** Most ids in one redrive, and most entries one pool-wide redrive takes. */
  maxRedrive: 1000,
  /** Entries a pool-wide redrive takes when it names no limit. */
  defaultRedriveLimit: 100,
} as const;

/** `GET /v1/dead-letter`: newest failure first, paged by offset. */
export const DeadLetterListQuerySchema = z.object({
  pool: PoolNameSchema.optional(),
  limit: ListLimitSchema,
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type DeadLetterListQuery = z.output<typeof DeadLetterListQuerySchema>;

/** One failed attempt of a task (dead-lettered or not). Timestamps are ISO-8601 strings. */
export const DeadLetterAttemptSchema = z.object({
  attempt: z.number().int().min(1),
  code: z.string(),
  message: z.string(),
  failedAt: z.string(),
  startedAt: z.string().nullable(),
  /** The worker it ran on, when known. */
  worker: z.string().optional(),
});

/** A task that failed for good, with what it was asked to do and how each attempt failed. */
export const DeadLetterViewSchema = z.object({
  id: z.string(),
  pool: PoolNameSchema,
  agent: AgentNameSchema,
  priority: PriorityLevelSchema,
  input: z.unknown(),
  metadata: MetadataSchema.optional(),
  /** The last error. */
  error: TaskErrorSchema,
  attemptsMade: z.number().int().min(0),
  /** Times the task started, runs lost with their worker included. */
  runs: z.number().int().min(0),
  /** Every recorded failed attempt, oldest first. */
  attempts: z.array(DeadLetterAttemptSchema),
  createdAt: z.string(),
  failedAt: z.string(),
});
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const DeadLetterPageSchema = z.object({
  deadLetters: z.array(DeadLetterViewSchema),
  /** The caller's dead letters (in the pool, when one is given). */
  total: z.number().int(),
  /** Pass as `offset` for the next page; null on the last one. */
  nextOffset: z.number().int().nullable(),
});
export type DeadLetterPage = z.infer<typeof DeadLetterPageSchema>;

const TaskIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { message: 'not a task id' });

/**
 * `POST /v1/dead-letter/redrive`: either `ids` (in any pool), or a `pool` whose oldest
 * dead letters are re-driven, at most `limit` of them per call.
 */
export const DeadLetterRedriveSchema = z
  .object({
    ids: z.array(TaskIdSchema).min(1).max(DeadLetterLimits.maxRedrive).optional(),
    pool: PoolNameSchema.optional(),
    limit: z.number().int().min(1).max(DeadLetterLimits.maxRedrive).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.ids === undefined) === (body.pool === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give either ids or pool' });
    }
    if (body.limit !== undefined && body.pool === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'limit goes with pool' });
    }
  });
export type DeadLetterRedrive = z.output<typeof DeadLetterRedriveSchema>;

export const DeadLetterRedrivenSchema = z.object({
  /** Queued again under the same id, with fresh attempts. */
  redriven: z.array(z.string()),
  /** No dead letter of the caller's under this id. */
  notFound: z.array(z.string()),
  /** The id is in use by a task that is not failed (already re-driven or retried). */
  conflicts: z.array(z.object({ id: z.string(), state: z.string() })),
  /** The caller's dead letters left (in the pool, when one is given). */
  remaining: z.number().int(),
});
export type DeadLetterRedriven = z.infer<typeof DeadLetterRedrivenSchema>;

/** `GET /v1/tasks/:id/attempts`: the task's failed attempts so far, oldest first. */
export const TaskAttemptsSchema = z.object({ attempts: z.array(DeadLetterAttemptSchema) });
export type TaskAttempts = z.infer<typeof TaskAttemptsSchema>;
