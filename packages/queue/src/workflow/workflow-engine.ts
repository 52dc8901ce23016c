import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Queue } from 'bullmq';
import type { RedisClient } from '../connection.js';
import {
  DEFAULT_POOL,
  DEFAULT_PRIORITY,
  ErrorCode,
  TASK_JOB_DATA_VERSION,
  encodeTaskError,
  resolveRefs,
  type PoolName,
  type PriorityLevel,
  type StepState,
  type StepView,
  type TaskError,
  type TaskJobData,
  type WorkflowEvent,
  type WorkflowRef,
  type WorkflowSpec,
  type WorkflowState,
  type WorkflowStep,
  type WorkflowSummary,
  type WorkflowView,
} from '@agentq/contracts';
import { traceCarrier, type TraceCarrier } from '@agentq/telemetry';
import { requestCancel } from '../cancellation.js';
import { jobInsert, type JobInsert } from '../job-insert.js';
import {
  DEFAULT_RETENTION,
  DEFAULT_RETRY,
  taskJobOptions,
  type RetentionPolicy,
} from '../job-options.js';
import { workflowRecords, type WorkflowRecords } from './workflow-records.js';
import {
  creatingKey,
  scriptKeys,
  stepTaskId,
  workflowChannel,
  workflowKeys,
} from './workflow-keys.js';
import { loadLuaScript, type LuaScript } from '../scripts/lua-script.js';

export interface WorkflowEngineOptions {
  redis: RedisClient;
  prefix: string;
  /** The queue of a pool (steps name their pool; absent means the default pool). */
  queueFor: (pool: PoolName) => Queue;
  /**
   * Retention of the step tasks of the workflows this engine creates (stored with each
   * workflow, so every engine that releases its steps applies it); a settled workflow's
   * keys keep as long as the longer of its two ages.
   * @defaultValue DEFAULT_RETENTION
   */
  retention?: RetentionPolicy;
}

/** A first step of a new workflow, ready to be queued by a caller's own script. */
export interface FirstStep {
  pool: PoolName;
  taskId: string;
  priority: PriorityLevel;
  jobKey: string;
  insert: JobInsert;
}

/** What a step's task should do when it starts: run, or not (see `lua/workflow-start-step.lua`). */
export type StepStart = 'run' | 'done' | 'stop';

interface StepRecord {
  state: StepState;
  taskId?: string;
  attempts?: number;
  startedAt?: string;
  finishedAt?: string;
  errorCode?: string;
  errorMessage?: string;
}

/** `workflow-complete-step.lua`'s reply: nothing released, or what is needed to enqueue what was. */
type ReleaseReply =
  | []
  | [
      tenant: string,
      retention: string,
      defs: (string | null)[],
      needed: string[],
      values: (string | null)[],
      /** The workflow's trace carrier (JSON); false (Lua's nil) when it has none. */
      trace: string | false | null,
    ];

/** The meta fields a workflow's summary reads, in the order `summaries` takes them. */
const SUMMARY_FIELDS = [
  'state',
  'name',
  'tenant',
  'createdAt',
  'finishedAt',
  'remaining',
  'failedSteps',
] as const;

type Script = 'startStep' | 'completeStep' | 'failStep' | 'cancelWorkflow';
/** The scripts that move a workflow's steps (`lua/workflow-*.lua`), on its eight keys. */
const SCRIPTS: Record<Script, LuaScript> = {
  startStep: loadLuaScript('workflow-start-step'),
  completeStep: loadLuaScript('workflow-complete-step'),
  failStep: loadLuaScript('workflow-fail-step'),
  cancelWorkflow: loadLuaScript('workflow-cancel'),
};

/**
 * Runs workflows (DAGs of tasks) on the pools' queues. Its state lives in Redis and moves
 * only through the Lua scripts, so any number of gateways and workers share it; a step is
 * released exactly once, and a step's task that runs twice (at-least-once delivery) records
 * its output once. Releasing is atomic with the completion in Redis; enqueueing the released
 * steps' tasks follows, and is redone (idempotently) by the completed step's task if its
 * worker dies in between.
 */
export class WorkflowEngine {
  constructor(private readonly options: WorkflowEngineOptions) {}

  /** Stores the workflow and enqueues the steps without dependencies. */
  async create(spec: WorkflowSpec, tenant: string, id: string = randomUUID()): Promise<string> {
    const retention = this.options.retention ?? DEFAULT_RETENTION;
    const trace = traceCarrier();
    const records = workflowRecords(this.options.prefix, spec, tenant, id, retention, trace);
    const multi = this.options.redis.multi();
    for (const { key, fields } of records.hashes) multi.hset(key, ...fields);
    multi.xadd(records.events, '*', ...records.event);
    // Stored with the workflow, removed once its first steps are queued: a create that dies
    // in between is found by recoverCreates.
    multi.zadd(records.creating, Date.now(), id);
    await multi.exec();
    const roots = spec.steps.filter((step) => step.dependsOn.length === 0);
    await this.enqueue({ id, tenant, retention, trace }, roots, new Map());
    await this.options.redis.zrem(records.creating, id);
    return id;
  }

  /**
   * What storing a new workflow writes, for a caller that stores it in a script of its own;
   * the active trace context becomes the workflow's.
   */
  records(spec: WorkflowSpec, tenant: string, id: string): WorkflowRecords {
    const retention = this.options.retention ?? DEFAULT_RETENTION;
    return workflowRecords(this.options.prefix, spec, tenant, id, retention, traceCarrier());
  }

  /**
   * The jobs of a new workflow's first steps (those without dependencies), as `queue.add`
   * would send them: for a caller that stores the workflow (`workflowRecords`) and queues
   * them in one script of its own.
   */
  firstSteps(spec: WorkflowSpec, tenant: string, id: string): FirstStep[] {
    const retention = this.options.retention ?? DEFAULT_RETENTION;
    const trace = traceCarrier();
    return spec.steps
      .filter((step) => step.dependsOn.length === 0)
      .map((step) => {
        const owner = { id, tenant, retention, trace };
        const { pool, name, data, opts } = stepJob(owner, step, new Map());
        const queue = this.options.queueFor(pool);
        const taskId = stepTaskId(id, step.id);
        return {
          pool,
          taskId,
          priority: step.priority ?? DEFAULT_PRIORITY,
          jobKey: queue.toKey(taskId),
          insert: jobInsert(queue, name, data, { ...opts, jobId: taskId }),
        };
      });
  }

  /**
   * Queues the first steps of workflows whose create stopped between storing them and
   * queueing them (its process died, Redis went away), once that create began at least
   * `olderThanMs` ago; at most `limit` per call. Any process may call it, any number of
   * times: a step queued twice has its task added once. Answers the workflows recovered.
   */
  async recoverCreates(olderThanMs: number, limit = 100): Promise<string[]> {
    const key = creatingKey(this.options.prefix);
    const ids = await this.options.redis.zrangebyscore(
      key,
      '-inf',
      Date.now() - olderThanMs,
      'LIMIT',
      0,
      limit,
    );
    for (const id of ids) {
      await this.resume(id);
      await this.options.redis.zrem(key, id);
    }
    return ids;
  }

  /**
   * Enqueues again every step that is queued (released) but may have no task: recovers a
   * create (or a release) whose caller died before enqueueing. Harmless otherwise.
   */
  async resume(id: string): Promise<void> {
    const keys = workflowKeys(this.options.prefix, id);
    const [[tenant, retention, trace], records] = await Promise.all([
      this.options.redis.hmget(keys.meta, 'tenant', 'retention', 'trace'),
      this.options.redis.hgetall(keys.steps),
    ]);
    const queued = Object.entries(records)
      .filter(([, raw]) => (JSON.parse(raw) as StepRecord).state === 'queued')
      .map(([stepId]) => stepId);
    if (!tenant || !retention || queued.length === 0) return;
    const steps = await this.stepDefs(id, queued);
    const needed = [...new Set(steps.flatMap((step) => step.dependsOn))];
    const values = needed.length ? await this.options.redis.hmget(keys.outputs, ...needed) : [];
    const workflow = { id, tenant, retention: JSON.parse(retention) as RetentionPolicy };
    await this.enqueue({ ...workflow, trace: parseTrace(trace) }, steps, outputMap(needed, values));
  }

  /**
   * Runs one attempt of a step's task with the workflow's bookkeeping around it: refuses to
   * start once the workflow has ended, records the output and releases dependents on success,
   * and on a final failure (`finalError` returns the error to record) applies the failure
   * policy. The attempt's own error is rethrown unchanged, so retries stay BullMQ's. A step
   * that already completed (its worker died after completing it) is not run again: its
   * release is redone and its recorded output returned.
   */
  async runStep(
    ref: WorkflowRef,
    taskId: string,
    attempt: () => Promise<unknown>,
    finalError: (error: unknown) => TaskError | undefined,
  ): Promise<unknown> {
    const start = await this.onStepStart(ref, taskId);
    if (start === 'stop') {
      throw new UnrecoverableError(
        encodeTaskError({
          code: ErrorCode.Cancelled,
          message: 'the workflow is no longer running',
        }),
      );
    }
    if (start === 'done') {
      await this.onStepSuccess(ref, null);
      return this.recordedOutput(ref);
    }
    let output: unknown;
    try {
      output = await attempt();
    } catch (error) {
      const final = finalError(error);
      if (final) await this.onStepFailure(ref, final);
      throw error;
    }
    await this.onStepSuccess(ref, output);
    return output;
  }

  /** A step's task starts: whether it should run (see {@link StepStart}). */
  async onStepStart(ref: WorkflowRef, taskId: string): Promise<StepStart> {
    return (await this.run('startStep', ref.id, [ref.step, taskId])) as StepStart;
  }

  /**
   * A step's task succeeded: record its output, release the steps it unblocks and enqueue
   * them (one script call, then one `addBulk` per pool).
   */
  async onStepSuccess(ref: WorkflowRef, output: unknown): Promise<void> {
    const reply = (await this.run('completeStep', ref.id, [
      ref.step,
      JSON.stringify(output ?? null),
    ])) as ReleaseReply;
    if (reply.length === 0) return;
    const [tenant, retention, defs, needed, values, trace] = reply;
    const steps = defs
      .filter((def): def is string => def !== null)
      .map((def) => JSON.parse(def) as WorkflowStep);
    const workflow = {
      id: ref.id,
      tenant,
      retention: JSON.parse(retention) as RetentionPolicy,
      trace: parseTrace(trace),
    };
    await this.enqueue(workflow, steps, outputMap(needed, values));
  }

  /** A step's task failed for good (no attempts left, or unrecoverable). Idempotent. */
  async onStepFailure(ref: WorkflowRef, error: TaskError): Promise<void> {
    const [queued, running] = (await this.run('failStep', ref.id, [
      ref.step,
      error.code,
      error.message,
    ])) as [string[], string[]];
    await this.stopSteps(ref.id, queued, running);
  }

  /** Cancels a running workflow: pending steps end, running ones are aborted. */
  async cancel(id: string): Promise<'cancelled' | 'not-running'> {
    const result = (await this.run('cancelWorkflow', id, [])) as [string[], string[]] | null;
    if (!result) return 'not-running';
    await this.stopSteps(id, result[0], result[1]);
    return 'cancelled';
  }

  /** The workflow's state and each step's, or undefined if there is no such workflow. */
  async get(id: string): Promise<(WorkflowView & { tenant: string }) | undefined> {
    const keys = workflowKeys(this.options.prefix, id);
    const [meta, steps, outputs, defs] = await Promise.all([
      this.options.redis.hgetall(keys.meta),
      this.options.redis.hgetall(keys.steps),
      this.options.redis.hgetall(keys.outputs),
      this.options.redis.hgetall(keys.defs),
    ]);
    if (!meta.state) return undefined;
    const order = JSON.parse(meta.stepOrder ?? '[]') as string[];
    return {
      id,
      tenant: meta.tenant ?? 'default',
      name: meta.name || null,
      state: meta.state as WorkflowState,
      onFailure: meta.onFailure === 'continue' ? 'continue' : 'fail-fast',
      createdAt: meta.createdAt ?? '',
      finishedAt: meta.finishedAt ?? null,
      steps: order.map((stepId): StepView => {
        const record = JSON.parse(steps[stepId] ?? '{"state":"pending"}') as StepRecord;
        const def = JSON.parse(defs[stepId] ?? '{}') as Partial<WorkflowStep>;
        const output = outputs[stepId];
        return {
          id: stepId,
          agent: def.agent ?? '',
          dependsOn: def.dependsOn ?? [],
          pool: def.pool ?? DEFAULT_POOL,
          input: def.input ?? null,
          state: record.state,
          taskId: record.taskId ?? null,
          attempts: record.attempts ?? 0,
          startedAt: record.startedAt ?? null,
          finishedAt: record.finishedAt ?? null,
          output: output === undefined ? null : (JSON.parse(output) as unknown),
          error: record.errorCode
            ? { code: record.errorCode, message: record.errorMessage ?? '' }
            : null,
        };
      }),
    };
  }

  /**
   * Each workflow's summary (state, times, step counts) in the order given, undefined for
   * one that is gone or not the tenant's: one pipelined round trip however many, reading no
   * step (unfinished ones are `remaining`, completed ones those with an output).
   */
  async summaries(
    tenant: string,
    ids: readonly string[],
  ): Promise<(WorkflowSummary | undefined)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.options.redis.pipeline();
    for (const id of ids) {
      const keys = workflowKeys(this.options.prefix, id);
      pipeline.hmget(keys.meta, ...SUMMARY_FIELDS);
      pipeline.hlen(keys.steps);
      pipeline.hlen(keys.outputs);
    }
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((id, i) => {
      const [metaReply, totalReply, completedReply] = replies.slice(i * 3, i * 3 + 3);
      for (const reply of [metaReply, totalReply, completedReply]) if (reply?.[0]) throw reply[0];
      const meta = (metaReply?.[1] ?? []) as (string | null)[];
      const [state, name, owner, createdAt, finishedAt, remaining, failedSteps] = meta;
      if (!state || (owner ?? 'default') !== tenant) return undefined;
      return {
        id,
        name: name || null,
        state: state as WorkflowState,
        createdAt: createdAt ?? '',
        finishedAt: finishedAt ?? null,
        steps: {
          total: Number(totalReply?.[1] ?? 0),
          completed: Number(completedReply?.[1] ?? 0),
          failed: Number(failedSteps ?? 0),
          unfinished: Number(remaining ?? 0),
        },
      };
    });
  }

  /** The workflow's transitions after the stream entry `after` (all from `0`), in order. */
  async events(id: string, after = '0'): Promise<{ id: string; event: WorkflowEvent }[]> {
    const key = workflowKeys(this.options.prefix, id).events;
    const entries = await this.options.redis.xrange(key, after === '0' ? '-' : `(${after}`, '+');
    return entries.map(([entryId, flat]) => ({ id: entryId, event: toEvent(flat) }));
  }

  private async recordedOutput(ref: WorkflowRef): Promise<unknown> {
    const raw = await this.options.redis.hget(
      workflowKeys(this.options.prefix, ref.id).outputs,
      ref.step,
    );
    return raw === null ? null : (JSON.parse(raw) as unknown);
  }

  private async stepDefs(id: string, stepIds: string[]): Promise<WorkflowStep[]> {
    if (stepIds.length === 0) return [];
    const raw = await this.options.redis.hmget(
      workflowKeys(this.options.prefix, id).defs,
      ...stepIds,
    );
    return raw
      .filter((def): def is string => def !== null)
      .map((def) => JSON.parse(def) as WorkflowStep);
  }

  /** Adds the steps' tasks, their inputs' references resolved from the outputs given. */
  private async enqueue(
    workflow: StepOwner,
    steps: readonly WorkflowStep[],
    outputs: ReadonlyMap<string, unknown>,
  ): Promise<void> {
    const byPool = new Map<PoolName, Parameters<Queue['addBulk']>[0]>();
    for (const step of steps) {
      const { pool, ...job } = stepJob(workflow, step, outputs);
      byPool.set(pool, [...(byPool.get(pool) ?? []), job]);
    }
    await Promise.all([...byPool].map(([pool, jobs]) => this.options.queueFor(pool).addBulk(jobs)));
  }

  /**
   * Removes the tasks of cancelled queued steps and aborts running ones (the cancel
   * protocol of single tasks). A running step whose task waits between attempts has no
   * worker to abort it: its task is removed and the step ends cancelled here.
   */
  private async stopSteps(id: string, queued: string[], running: string[]): Promise<void> {
    const defs = await this.stepDefs(id, [...queued, ...running]);
    const queueOf = (stepId: string) =>
      this.options.queueFor(defs.find((def) => def.id === stepId)?.pool ?? DEFAULT_POOL);
    await Promise.all([
      ...queued.map((stepId) => queueOf(stepId).remove(stepTaskId(id, stepId))),
      ...running.map(async (stepId) => {
        const taskId = stepTaskId(id, stepId);
        await requestCancel(this.options.redis, this.options.prefix, taskId);
        if ((await queueOf(stepId).remove(taskId)) === 1) {
          await this.onStepFailure(
            { id, step: stepId },
            { code: ErrorCode.Cancelled, message: 'cancelled between attempts' },
          );
        }
      }),
    ]);
  }

  private run(script: Script, id: string, args: (string | number)[]): Promise<unknown> {
    return SCRIPTS[script].run(this.options.redis, scriptKeys(this.options.prefix, id), [
      nowIso(),
      workflowChannel(this.options.prefix),
      id,
      ...args,
    ]);
  }
}

/** The workflow a step's task belongs to, as its job records it. */
interface StepOwner {
  id: string;
  tenant: string;
  retention: RetentionPolicy;
  /** The workflow's trace: each step's task joins it. */
  trace: TraceCarrier | undefined;
}

/** A stored trace carrier, if there is one. */
function parseTrace(raw: string | false | null | undefined): TraceCarrier | undefined {
  return typeof raw === 'string' && raw !== '' ? (JSON.parse(raw) as TraceCarrier) : undefined;
}

/** A step's task as a job: its pool, name, data and options (the job id is its task id). */
function stepJob(
  { id, tenant, retention, trace }: StepOwner,
  step: WorkflowStep,
  outputs: ReadonlyMap<string, unknown>,
) {
  const pool = step.pool ?? DEFAULT_POOL;
  const data: TaskJobData = {
    v: TASK_JOB_DATA_VERSION,
    agent: step.agent,
    input: resolveRefs(step.input, outputs),
    tenant,
    ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
    workflow: { id, step: step.id },
    ...(trace === undefined ? {} : { trace }),
  };
  const opts = taskJobOptions(
    {
      agent: step.agent,
      input: data.input,
      priority: step.priority ?? DEFAULT_PRIORITY,
      pool,
      delayMs: 0,
      attempts: step.attempts,
    },
    stepTaskId(id, step.id),
    retention,
    DEFAULT_RETRY,
  );
  return { pool, name: step.agent, data, opts };
}

function nowIso(): string {
  return new Date().toISOString();
}

function outputMap(needed: readonly string[], values: readonly (string | null)[]) {
  return new Map(needed.map((dep, i) => [dep, JSON.parse(values[i] ?? 'null') as unknown]));
}

function toEvent(flat: string[]): WorkflowEvent {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] ?? '', flat[i + 1] ?? '');
  const at = fields.get('at') ?? '';
  if (fields.get('kind') === 'step') {
    return {
      kind: 'step',
      step: fields.get('step') ?? '',
      state: fields.get('state') as StepState,
      at,
    };
  }
  return {
    kind: 'workflow',
    state: fields.get('state') as WorkflowState,
    at,
    final: fields.get('final') === '1',
  };
}
