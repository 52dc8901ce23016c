import { z } from 'zod';
import { DEFAULT_POOL, PoolNameSchema } from './pool.js';
import { DEFAULT_PRIORITY, PriorityLevelSchema } from './priority.js';

/** Bounds a client may ask for; the worker's defaults apply when a field is absent. */
export const TaskLimits = {
  maxAttempts: 20,
  maxDelayMs: 30 * 24 * 3600 * 1000,
  minTimeoutMs: 100,
  maxTimeoutMs: 24 * 3600 * 1000,
  minBackoffMs: 100,
  maxBackoffMs: 3600 * 1000,
  maxMetadataKeys: 32,
  maxMetadataBytes: 4096,
  maxIdempotencyKeyLength: 128,
} as const;

/** Agent names: `echo`, `llm.chat`, `acme.summarize` ... */
export const AgentNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/, {
    message: 'agent must be a lower-case dotted name such as "echo" or "llm.chat"',
  })
  .max(64);

/**
 * The idempotency-key rule: it becomes part of a BullMQ job id, which may not contain ':'
 * and may not look like an integer (BullMQ's own ids are integers).
 */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(TaskLimits.maxIdempotencyKeyLength)
  .refine((key) => !key.includes(':'), { message: 'idempotencyKey may not contain ":"' })
  .refine((key) => !/^\d+$/.test(key), { message: 'idempotencyKey may not be an integer' });

export const BackoffSchema = z
  .object({
    type: z.enum(['exponential', 'fixed']),
    /** First delay (exponential) or every delay (fixed). */
    delayMs: z.number().int().min(TaskLimits.minBackoffMs).max(TaskLimits.maxBackoffMs),
  })
  .strict();
export type Backoff = z.infer<typeof BackoffSchema>;

const MetadataValueSchema = z.union([z.string().max(256), z.number(), z.boolean()]);

/** Free-form labels a client attaches to a task; bounded so a task stays small. */
export const MetadataSchema = z
  .record(z.string().min(1).max(64), MetadataValueSchema)
  .refine((meta) => Object.keys(meta).length <= TaskLimits.maxMetadataKeys, {
    message: `metadata may have at most ${TaskLimits.maxMetadataKeys} keys`,
  })
  .refine((meta) => Buffer.byteLength(JSON.stringify(meta)) <= TaskLimits.maxMetadataBytes, {
    message: `metadata may be at most ${TaskLimits.maxMetadataBytes} bytes as JSON`,
  });
export type Metadata = z.infer<typeof MetadataSchema>;

/** Runs before a task fails for good (a task's or a workflow step's own setting). */
export const AttemptsSchema = z.number().int().min(1).max(TaskLimits.maxAttempts);
/** Time limit of one attempt, in milliseconds. */
export const TimeoutMsSchema = z
  .number()
  .int()
  .min(TaskLimits.minTimeoutMs)
  .max(TaskLimits.maxTimeoutMs);

/** What a client submits: one agent run. */
export const TaskSpecSchema = z
  .object({
    agent: AgentNameSchema,
    input: z.unknown().default({}),
    priority: PriorityLevelSchema.default(DEFAULT_PRIORITY),
    pool: PoolNameSchema.default(DEFAULT_POOL),
    delayMs: z.number().int().min(0).max(TaskLimits.maxDelayMs).default(0),
    attempts: AttemptsSchema.optional(),
    backoff: BackoffSchema.optional(),
    timeoutMs: TimeoutMsSchema.optional(),
    idempotencyKey: IdempotencyKeySchema.optional(),
    metadata: MetadataSchema.optional(),
  })
  .strict();
/** A spec as the client may write it (defaults not yet applied). */
export type TaskSpecInput = z.input<typeof TaskSpecSchema>;
/** A parsed spec with defaults applied. */
export type TaskSpec = z.output<typeof TaskSpecSchema>;

/** Version of {@link TaskJobDataSchema}; bump with a migration note when its shape changes. */
export const TASK_JOB_DATA_VERSION = 1;

/** Set on a workflow step's task: which workflow and step it runs. */
export const WorkflowRefSchema = z.object({ id: z.string().min(1), step: z.string().min(1) });
export type WorkflowRef = z.infer<typeof WorkflowRefSchema>;

/** What is stored in `job.data`: what the worker needs to run the task. */
export const TaskJobDataSchema = z.object({
  v: z.literal(TASK_JOB_DATA_VERSION),
  agent: AgentNameSchema,
  input: z.unknown(),
  tenant: z.string().min(1),
  timeoutMs: z.number().int().positive().optional(),
  metadata: MetadataSchema.optional(),
  workflow: WorkflowRefSchema.optional(),
  /** The submit's trace context (W3C), when tracing is on: every attempt joins that trace. */
  trace: z.object({ traceparent: z.string(), tracestate: z.string().optional() }).optional(),
});
export type TaskJobData = z.infer<typeof TaskJobDataSchema>;

export const TASK_STATES = [
  'waiting',
  'delayed',
  'active',
  'completed',
  'failed',
  'cancelled',
] as const;
export const TaskStateSchema = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskStateSchema>;

/** States a task never leaves. */
export function isFinalState(state: TaskState): boolean {
  return state === 'completed' || state === 'failed' || state === 'cancelled';
}

export const TaskErrorSchema = z.object({ code: z.string(), message: z.string() });
export type TaskError = z.infer<typeof TaskErrorSchema>;

/** What a client reads back about a task. Timestamps are ISO-8601 strings. */
export const TaskViewSchema = z.object({
  id: z.string(),
  state: TaskStateSchema,
  agent: AgentNameSchema,
  pool: PoolNameSchema,
  priority: PriorityLevelSchema,
  progress: z.unknown(),
  result: z.unknown(),
  error: TaskErrorSchema.nullable(),
  /** Attempts that ended so far, a successful one included; a run lost with its worker counts as one. */
  attemptsMade: z.number().int().min(0),
  /** Times the task started, runs lost with their worker included. */
  runs: z.number().int().min(0),
  /** The worker (BullMQ name) of the latest run, once it started. */
  worker: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  metadata: MetadataSchema.optional(),
  /** The task's trace (OpenTelemetry), when it was submitted with tracing on. */
  traceId: z.string().optional(),
});
export type TaskView = z.infer<typeof TaskViewSchema>;

/** The answer to a submit. */
export const TaskAcceptedSchema = z.object({ id: z.string(), state: TaskStateSchema });
export type TaskAccepted = z.infer<typeof TaskAcceptedSchema>;
