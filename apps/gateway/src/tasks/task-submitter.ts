import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AgentRegistry } from '@agentq/agents';
import {
  ErrorCode,
  TASK_JOB_DATA_VERSION,
  type PoolName,
  type TaskAccepted,
  type TaskJobData,
  type TaskSpec,
} from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { AdmissionService, type BacklogDemand } from '../admission/admission.service.js';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { issueDetails } from '../http/parse-or-throw.js';
import { GatewayMetrics } from '../metrics.js';
import { UnfinishedTasks } from '../tenant-cap/unfinished-tasks.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';
import { IdempotencyStore } from './idempotency.store.js';
import { specHash } from './spec-hash.js';
import { TaskIndex } from './task-index.js';
import { newTaskId } from './task-id.js';

/** Where a spec sits in the request, for error paths: `body` or `body.tasks.3`. */
export interface SpecPlace {
  body: string;
  input: string;
}

/** One submitted task's answer; `repeat` when its idempotency key was seen before. */
export interface Submitted extends TaskAccepted {
  repeat: boolean;
}

interface Prepared {
  spec: TaskSpec;
  id: string;
  queue: Queue;
  data: TaskJobData;
  opts: JobsOptions;
}

/**
 * Turns validated specs into queued tasks: checks each agent's input, resolves repeats of
 * an idempotency key, applies admission control, enqueues with one round trip per pool and
 * indexes the tasks for their tenant. Nothing is queued unless every spec is accepted.
 */
@Injectable()
export class TaskSubmitter {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly idempotency: IdempotencyStore,
    private readonly admission: AdmissionService,
    private readonly index: TaskIndex,
    private readonly metrics: GatewayMetrics,
    private readonly unfinished: UnfinishedTasks,
  ) {}

  async submit(
    tenant: string,
    specs: readonly TaskSpec[],
    placeOf: (index: number) => SpecPlace,
  ): Promise<Submitted[]> {
    const prepared = specs.map((spec, index) => this.prepare(tenant, spec, placeOf(index)));
    assertRedisReady(this.redis);

    const keyed = prepared.filter((task) => task.spec.idempotencyKey !== undefined);
    const outcomes = await this.idempotency.claim(
      keyed.map((task) => ({ taskId: task.id, hash: specHash(task.spec) })),
    );
    const repeats = new Set<Prepared>();
    const claimed: string[] = [];
    keyed.forEach((task, i) => {
      if (outcomes[i] === 'new') claimed.push(task.id);
      else repeats.add(task);
    });
    const conflict = keyed.findIndex((_, i) => outcomes[i] === 'conflict');
    if (conflict >= 0) {
      await this.idempotency.release(claimed);
      const task = keyed[conflict];
      const at = task ? placeOf(prepared.indexOf(task)).body : 'body';
      throw new ApiError(
        ErrorCode.Conflict,
        'idempotencyKey was already used with a different task',
        [{ path: `${at}.idempotencyKey`, message: 'this key was first used with another body' }],
      );
    }

    const fresh = prepared.filter((task) => !repeats.has(task));
    // The tenant's cap first: its reservation is undone with the claims if anything fails.
    const tenantCap = await this.unfinished
      .reserve(
        tenant,
        fresh.map((task) => ({ pool: task.spec.pool, id: task.id })),
      )
      .catch(async (error: unknown) => {
        await this.idempotency.release(claimed);
        throw error;
      });
    const releaseClaims = async () => {
      await Promise.all([this.idempotency.release(claimed), tenantCap.release()]);
    };
    const admission = await this.admission.admit(demandsOf(fresh)).catch(async (error: unknown) => {
      await releaseClaims();
      throw error;
    });
    const now = Date.now();
    try {
      // The index entry is written alongside the jobs (one round trip less): if enqueueing
      // fails, the entry points at nothing and list reads skip it.
      await Promise.all([
        ...[...groupBy(fresh, (task) => task.queue)].map(([queue, tasks]) => enqueue(queue, tasks)),
        this.index.add(
          tenant,
          fresh.map((task) => ({ pool: task.spec.pool, taskId: task.id, submittedAt: now })),
        ),
      ]);
    } catch (error) {
      admission.release();
      await releaseClaims();
      throw error;
    }
    admission.enqueued();
    for (const { spec } of fresh) {
      this.metrics.tasksSubmitted.inc({
        pool: spec.pool,
        agent: spec.agent,
        priority: spec.priority,
      });
    }
    return prepared.map((task) => ({
      id: task.id,
      state: task.spec.delayMs > 0 ? 'delayed' : 'waiting',
      repeat: repeats.has(task),
    }));
  }

  private prepare(tenant: string, spec: TaskSpec, place: SpecPlace): Prepared {
    const queue = this.queues.get(spec.pool);
    if (!queue) {
      throw new ApiError(ErrorCode.ValidationFailed, `unknown pool "${spec.pool}"`, [
        {
          path: `${place.body}.pool`,
          message: `pool must be one of: ${[...this.queues.keys()].join(', ')}`,
        },
      ]);
    }
    const check = this.registry.checkInput(spec.agent, spec.input);
    if (!check.ok) {
      if (check.reason === 'unknown-agent') {
        throw new ApiError(ErrorCode.UnknownAgent, `unknown agent "${spec.agent}"`, {
          path: `${place.body}.agent`,
          known: this.registry.names(),
        });
      }
      const details = issueDetails(check.issues, place.input);
      throw new ApiError(
        ErrorCode.ValidationFailed,
        `invalid input for agent "${spec.agent}": ${details.map((d) => d.path).join(', ')}`,
        details,
      );
    }
    const id = newTaskId(tenant, spec.idempotencyKey);
    const data: TaskJobData = {
      v: TASK_JOB_DATA_VERSION,
      agent: spec.agent,
      input: check.input,
      tenant,
      ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
      ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
    };
    return { spec, id, queue, data, opts: taskJobOptions(spec, id, this.config.retention) };
  }
}

/**
 * One pool's tasks in one round trip. A lone task goes through `add`, which skips the
 * MULTI that `addBulk` wraps around its jobs (most submits are single).
 */
async function enqueue(queue: Queue, tasks: readonly Prepared[]): Promise<void> {
  const jobs = tasks.map((t) => ({ name: t.spec.agent, data: t.data, opts: t.opts }));
  const [only] = jobs;
  if (jobs.length === 1 && only) await queue.add(only.name, only.data, only.opts);
  else await queue.addBulk(jobs);
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** Delayed tasks do not wait yet, so they are not held against the backlog. */
function demandsOf(tasks: readonly Prepared[]): BacklogDemand[] {
  const counts = new Map<string, BacklogDemand>();
  for (const { spec } of tasks) {
    if (spec.delayMs > 0) continue;
    const key = `${spec.pool}/${spec.priority}`;
    const demand = counts.get(key) ?? { pool: spec.pool, priority: spec.priority, count: 0 };
    demand.count += 1;
    counts.set(key, demand);
  }
  return [...counts.values()];
}
