import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  DEFAULT_POOL,
  DEFAULT_PRIORITY,
  ErrorCode,
  TASK_JOB_DATA_VERSION,
  encodeTaskError,
  resolveRefs,
  type PoolName,
  type StepState,
  type StepView,
  type TaskError,
  type TaskJobData,
  type WorkflowRef,
  type WorkflowSpec,
  type WorkflowState,
  type WorkflowStep,
  type WorkflowView,
} from '@agentq/contracts';
import { requestCancel } from '../cancellation.js';
import {
  DEFAULT_RETENTION,
  DEFAULT_RETRY,
  taskJobOptions,
  type RetentionPolicy,
} from '../job-options.js';
import { scriptKeys, stepTaskId, workflowKeys } from './workflow-keys.js';
import { CANCEL_WORKFLOW, COMPLETE_STEP, FAIL_STEP, START_STEP } from './workflow-scripts.js';

export interface WorkflowEngineOptions {
  redis: Redis;
  prefix: string;
  /** The queue of a pool (steps name their pool; absent means the default pool). */
  queueFor: (pool: PoolName) => Queue;
  retention?: RetentionPolicy;
}

interface StepRecord {
  state: StepState;
  taskId?: string;
  attempts?: number;
  startedAt?: string;
  finishedAt?: string;
  errorCode?: string;
  errorMessage?: string;
}

type Script = 'startStep' | 'completeStep' | 'failStep' | 'cancelWorkflow';
const SCRIPTS: Record<Script, string> = {
  startStep: START_STEP,
  completeStep: COMPLETE_STEP,
  failStep: FAIL_STEP,
  cancelWorkflow: CANCEL_WORKFLOW,
};

/**
 * Runs workflows (DAGs of tasks) on the pools' queues. Its state lives in Redis and moves
 * only through the Lua scripts, so any number of gateways and workers share it; a step is
 * released exactly once, and a step's task that runs twice (at-least-once delivery) records
 * its output once.
 */
export class WorkflowEngine {
  constructor(private readonly options: WorkflowEngineOptions) {}

  /** Stores the workflow and enqueues the steps without dependencies. */
  async create(spec: WorkflowSpec, tenant: string, id: string = randomUUID()): Promise<string> {
    const keys = workflowKeys(this.options.prefix, id);
    const now = new Date().toISOString();
    const dependents = new Map<string, string[]>(spec.steps.map((step) => [step.id, []]));
    for (const step of spec.steps)
      for (const dep of step.dependsOn) dependents.get(dep)?.push(step.id);
    const roots = spec.steps.filter((step) => step.dependsOn.length === 0);

    const multi = this.options.redis.multi();
    multi.hset(keys.meta, {
      state: 'running',
      name: spec.name ?? '',
      tenant,
      onFailure: spec.onFailure,
      createdAt: now,
      remaining: spec.steps.length,
      failedSteps: 0,
      stepOrder: JSON.stringify(spec.steps.map((step) => step.id)),
    });
    for (const step of spec.steps) {
      const record: StepRecord = { state: step.dependsOn.length === 0 ? 'queued' : 'pending' };
      multi.hset(keys.steps, step.id, JSON.stringify(record));
      multi.hset(keys.defs, step.id, JSON.stringify(step));
      multi.hset(keys.pending, step.id, step.dependsOn.length);
      multi.hset(keys.dependents, step.id, JSON.stringify(dependents.get(step.id) ?? []));
    }
    multi.xadd(
      keys.events,
      'MAXLEN',
      '~',
      10_000,
      '*',
      'kind',
      'workflow',
      'state',
      'running',
      'at',
      now,
    );
    await multi.exec();
    await this.enqueue(id, tenant, roots);
    return id;
  }

  /**
   * Runs one attempt of a step's task with the workflow's bookkeeping around it: refuses to
   * start once the workflow has ended, records the output and releases dependents on success,
   * and on a final failure (`finalError` returns the error to record) applies the failure
   * policy. The attempt's own error is rethrown unchanged, so retries stay BullMQ's.
   */
  async runStep<T>(
    ref: WorkflowRef,
    taskId: string,
    attempt: () => Promise<T>,
    finalError: (error: unknown) => TaskError | undefined,
  ): Promise<T> {
    if (!(await this.onStepStart(ref, taskId))) {
      throw new UnrecoverableError(
        encodeTaskError({
          code: ErrorCode.Cancelled,
          message: 'the workflow is no longer running',
        }),
      );
    }
    let output: T;
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

  /** A step's task starts. False when the workflow has moved on (the task should not run). */
  async onStepStart(ref: WorkflowRef, taskId: string): Promise<boolean> {
    const started = await this.run('startStep', ref.id, [
      ref.step,
      taskId,
      new Date().toISOString(),
    ]);
    return started === 1;
  }

  /** A step's task succeeded: record its output and start the steps it unblocks. */
  async onStepSuccess(ref: WorkflowRef, output: unknown): Promise<void> {
    const ready = (await this.run('completeStep', ref.id, [
      ref.step,
      JSON.stringify(output ?? null),
      new Date().toISOString(),
    ])) as string[];
    if (ready.length === 0) return;
    const tenant = await this.options.redis.hget(
      workflowKeys(this.options.prefix, ref.id).meta,
      'tenant',
    );
    const defs = await this.stepDefs(ref.id, ready);
    await this.enqueue(ref.id, tenant ?? 'default', defs);
  }

  /** A step's task failed for good (no attempts left, or unrecoverable). */
  async onStepFailure(ref: WorkflowRef, error: TaskError): Promise<void> {
    const [queued, running] = (await this.run('failStep', ref.id, [
      ref.step,
      error.code,
      error.message,
      new Date().toISOString(),
    ])) as [string[], string[]];
    await this.stopSteps(ref.id, queued, running);
  }

  /** Cancels a running workflow: pending steps end, running ones are aborted. */
  async cancel(id: string): Promise<'cancelled' | 'not-running'> {
    const result = (await this.run('cancelWorkflow', id, [new Date().toISOString()])) as
      [string[], string[]] | null;
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

  private async stepDefs(id: string, stepIds: string[]): Promise<WorkflowStep[]> {
    const raw = await this.options.redis.hmget(
      workflowKeys(this.options.prefix, id).defs,
      ...stepIds,
    );
    return raw
      .filter((def): def is string => def !== null)
      .map((def) => JSON.parse(def) as WorkflowStep);
  }

  /** Adds the steps' tasks, their inputs' references resolved from stored outputs. */
  private async enqueue(id: string, tenant: string, steps: readonly WorkflowStep[]): Promise<void> {
    const needed = [...new Set(steps.flatMap((step) => step.dependsOn))];
    const values = needed.length
      ? await this.options.redis.hmget(workflowKeys(this.options.prefix, id).outputs, ...needed)
      : [];
    const outputs = new Map(
      needed.map((dep, i) => [dep, JSON.parse(values[i] ?? 'null') as unknown]),
    );
    const byPool = new Map<PoolName, Parameters<Queue['addBulk']>[0]>();
    for (const step of steps) {
      const pool = step.pool ?? DEFAULT_POOL;
      const data: TaskJobData = {
        v: TASK_JOB_DATA_VERSION,
        agent: step.agent,
        input: resolveRefs(step.input, outputs),
        tenant,
        ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
        workflow: { id, step: step.id },
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
        this.options.retention ?? DEFAULT_RETENTION,
        DEFAULT_RETRY,
      );
      const jobs = byPool.get(pool) ?? [];
      jobs.push({ name: step.agent, data, opts });
      byPool.set(pool, jobs);
    }
    await Promise.all([...byPool].map(([pool, jobs]) => this.options.queueFor(pool).addBulk(jobs)));
  }

  private async stopSteps(id: string, queued: string[], runningTaskIds: string[]): Promise<void> {
    const defs = queued.length > 0 ? await this.stepDefs(id, queued) : [];
    await Promise.all(
      defs.map((step) =>
        this.options.queueFor(step.pool ?? DEFAULT_POOL).remove(stepTaskId(id, step.id)),
      ),
    );
    for (const taskId of runningTaskIds)
      await requestCancel(this.options.redis, this.options.prefix, taskId);
  }

  private run(script: Script, id: string, args: (string | number)[]): Promise<unknown> {
    return this.options.redis.eval(
      SCRIPTS[script],
      6,
      ...scriptKeys(this.options.prefix, id),
      ...args,
    );
  }
}
