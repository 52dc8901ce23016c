import { z } from 'zod';
import { PoolNameSchema } from './pool.js';
import { PriorityLevelSchema } from './priority.js';
import {
  AgentNameSchema,
  AttemptsSchema,
  MetadataSchema,
  TaskErrorSchema,
  TimeoutMsSchema,
} from './task.js';
import { STEP_ID_PATTERN } from './ids.js';

export const WorkflowLimits = { maxSteps: 1000 } as const;

export const StepIdSchema = z.string().regex(STEP_ID_PATTERN, {
  message: 'step id must be 1-63 letters, digits, _ or -',
});

/** One step of a workflow: a task that starts when all its dependencies have completed. */
export const WorkflowStepSchema = z
  .object({
    id: StepIdSchema,
    agent: AgentNameSchema,
    /** May hold `{"$ref": "steps.<dependency>.output[.path]"}` anywhere. */
    input: z.unknown().default({}),
    dependsOn: z.array(StepIdSchema).max(WorkflowLimits.maxSteps).default([]),
    pool: PoolNameSchema.optional(),
    priority: PriorityLevelSchema.optional(),
    attempts: AttemptsSchema.optional(),
    timeoutMs: TimeoutMsSchema.optional(),
  })
  .strict();
export type WorkflowStep = z.output<typeof WorkflowStepSchema>;

export const FAILURE_POLICIES = ['fail-fast', 'continue'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** A reference to an output, as found in a step's input. */
export interface OutputRef {
  step: string;
  path: string[];
}

const REF_PATTERN = /^steps\.([A-Za-z0-9][A-Za-z0-9_-]*)\.output((?:\.[^.]+)*)$/;

/** Reads `{"$ref": "..."}`; undefined if the value is not a reference object. */
export function parseRef(value: unknown): OutputRef | 'malformed' | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== '$ref') return undefined;
  const ref = (value as { $ref: unknown }).$ref;
  const match = typeof ref === 'string' ? REF_PATTERN.exec(ref) : null;
  if (!match?.[1]) return 'malformed';
  return { step: match[1], path: (match[2] ?? '').split('.').filter((part) => part !== '') };
}

/** Every reference in an input, with where it sits. */
export function findRefs(
  input: unknown,
  at: (string | number)[] = [],
): { at: (string | number)[]; ref: OutputRef | 'malformed' }[] {
  const ref = parseRef(input);
  if (ref) return [{ at, ref }];
  if (Array.isArray(input)) return input.flatMap((item, index) => findRefs(item, [...at, index]));
  if (typeof input === 'object' && input !== null) {
    return Object.entries(input).flatMap(([key, value]) => findRefs(value, [...at, key]));
  }
  return [];
}

/** Replaces every reference with the output it names (null where the path leads nowhere). */
export function resolveRefs(input: unknown, outputs: ReadonlyMap<string, unknown>): unknown {
  const ref = parseRef(input);
  if (ref === 'malformed') return null;
  if (ref) {
    let value: unknown = outputs.get(ref.step);
    for (const part of ref.path) {
      value =
        typeof value === 'object' && value !== null
          ? (value as Record<string, unknown>)[part]
          : undefined;
    }
    return value ?? null;
  }
  if (Array.isArray(input)) return input.map((item) => resolveRefs(item, outputs));
  if (typeof input === 'object' && input !== null) {
    return Object.fromEntries(
      Object.entries(input).map(([key, value]) => [key, resolveRefs(value, outputs)]),
    );
  }
  return input;
}

/** A cycle in the dependency graph, as step ids (first repeated at the end), if there is one. */
export function findCycle(
  steps: readonly { id: string; dependsOn: readonly string[] }[],
): string[] | undefined {
  const deps = new Map(steps.map((step) => [step.id, step.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    trail.push(id);
    for (const dep of deps.get(id) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return undefined;
}

export const WorkflowSpecSchema = z
  .object({
    name: z.string().min(1).max(128).optional(),
    steps: z.array(WorkflowStepSchema).min(1).max(WorkflowLimits.maxSteps),
    onFailure: z.enum(FAILURE_POLICIES).default('fail-fast'),
    metadata: MetadataSchema.optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const index = new Map<string, number>();
    spec.steps.forEach((step, i) => {
      if (index.has(step.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'id'],
          message: `duplicate step id "${step.id}"`,
        });
      }
      index.set(step.id, i);
    });
    spec.steps.forEach((step, i) => {
      step.dependsOn.forEach((dep, j) => {
        if (!index.has(dep)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'dependsOn', j],
            message: `unknown step "${dep}"`,
          });
        }
      });
      for (const { at, ref } of findRefs(step.input)) {
        if (ref === 'malformed') {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'input', ...at],
            message: '$ref must read "steps.<id>.output[.path]"',
          });
        } else if (!step.dependsOn.includes(ref.step)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'input', ...at],
            message: `$ref to step "${ref.step}", which is not in dependsOn`,
          });
        }
      }
    });
    const cycle = findCycle(spec.steps);
    if (cycle)
      ctx.addIssue({
        code: 'custom',
        path: ['steps'],
        message: `dependency cycle: ${cycle.join(' -> ')}`,
      });
  });
export type WorkflowSpecInput = z.input<typeof WorkflowSpecSchema>;
export type WorkflowSpec = z.output<typeof WorkflowSpecSchema>;

export const WORKFLOW_STATES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type WorkflowState = (typeof WORKFLOW_STATES)[number];

export const STEP_STATES = [
  'pending',
  'queued',
  'running',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type StepState = (typeof STEP_STATES)[number];

export const StepViewSchema = z.object({
  id: z.string(),
  agent: z.string(),
  /** The steps it waits for: the graph's edges. */
  dependsOn: z.array(z.string()),
  pool: z.string(),
  /** Its input as submitted (`$ref`s unresolved). */
  input: z.unknown(),
  state: z.enum(STEP_STATES),
  taskId: z.string().nullable(),
  attempts: z.number().int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  output: z.unknown(),
  error: TaskErrorSchema.nullable(),
});
export type StepView = z.infer<typeof StepViewSchema>;

export const WorkflowViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  state: z.enum(WORKFLOW_STATES),
  onFailure: z.enum(FAILURE_POLICIES),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  steps: z.array(StepViewSchema),
});
export type WorkflowView = z.infer<typeof WorkflowViewSchema>;

/**
 * One workflow of a listing (`GET /v1/workflows`): what its records say without reading
 * its steps. `steps.unfinished` counts those pending, queued or running; the ended ones not
 * completed or failed were skipped or cancelled.
 */
export const WorkflowSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  state: z.enum(WORKFLOW_STATES),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  steps: z.object({
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    unfinished: z.number().int(),
  }),
});
export type WorkflowSummary = z.infer<typeof WorkflowSummarySchema>;

/**
 * One transition in a workflow's event stream (`GET /v1/workflows/:id/events`): a step
 * changed state, or the workflow did. The workflow event with `final: true` is the last one.
 */
export type WorkflowEvent =
  | { kind: 'step'; step: string; state: StepState; at: string }
  | { kind: 'workflow'; state: WorkflowState; at: string; final: boolean };
