import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
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
import { jobInsert, taskJobOptions, type JobInsert, type Principal } from '@agentq/queue';
import { AdmissionService, type BacklogDemand } from '../admission/admission.service.js';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { issueDetails } from '../http/parse-or-throw.js';
import { GatewayMetrics } from '../metrics.js';
import type { RequestCharge } from '../rate-limit/rate-limits.service.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';
import { assertInputSize } from './input-size.js';
import { specHash } from './spec-hash.js';
import { IdempotencyConflict, SubmitGate } from './submit-gate.js';
import { newTaskId } from './task-id.js';
import { mayHaveWritten, outcomeUnknown } from '../http/outcome-unknown.js';
import { LlmBudgets } from '../usage/llm-budgets.js';

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
  /** Its job, as `queue.add` would send it. */
  insert: JobInsert;
}

/**
 * Turns validated specs into queued tasks: checks each agent's input, applies admission
 * control, then passes the submit gate, which checks rate limits, idempotency repeats and the
 * tenant's cap, records and enqueues, in one round trip. Nothing is queued unless every spec
 * is accepted.
 */
@Injectable()
export class TaskSubmitter {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly gate: SubmitGate,
    private readonly admission: AdmissionService,
    private readonly metrics: GatewayMetrics,
    private readonly budgets: LlmBudgets,
  ) {}

  /**
   * `charge`: the request, when its token is taken here (in the gate) rather than by the
   * guard. Nothing is queued unless every task passed.
   */
  async submit(
    principal: Principal,
    specs: readonly TaskSpec[],
    placeOf: (index: number) => SpecPlace,
    charge: RequestCharge | undefined,
  ): Promise<Submitted[]> {
    const tenant = principal.tenant;
    const prepared = specs.map((spec, index) => this.prepare(tenant, spec, placeOf(index)));
    await this.budgets.assertWithin(
      tenant,
      specs.map((spec) => spec.agent),
    );
    assertRedisReady(this.redis);
    // Before the gate, which enqueues: a repeat is counted too, so while its pool is full a
    // repeat is refused (429) like a new submit, as a rate-limited one is.
    const admission = await this.admission.admit(demandsOf(prepared));
    const gate = await this.gate
      .pass({
        principal,
        charge,
        now: Date.now(),
        tasks: prepared.map((task) => ({
          id: task.id,
          pool: task.spec.pool,
          jobKey: task.queue.toKey(task.id),
          idempotencyHash: task.spec.idempotencyKey === undefined ? undefined : specHash(task.spec),
          delayMs: task.spec.delayMs,
          insert: task.insert,
        })),
      })
      .catch((error: unknown) => {
        admission.release();
        if (mayHaveWritten(error)) throw outcomeUnknown({ taskIds: prepared.map((t) => t.id) });
        if (!(error instanceof IdempotencyConflict)) throw error;
        throw new ApiError(
          ErrorCode.Conflict,
          'idempotencyKey was already used with a different task',
          [
            {
              path: `${placeOf(error.taskIndex).body}.idempotencyKey`,
              message: 'this key was first used with another body',
            },
          ],
        );
      });
    admission.enqueued();
    const fresh = prepared.filter((_, index) => !gate.repeats[index]);
    for (const { spec } of fresh) {
      this.metrics.tasksSubmitted.inc({
        pool: spec.pool,
        agent: spec.agent,
        priority: spec.priority,
      });
    }
    return prepared.map((task, index) => ({
      id: task.id,
      state: task.spec.delayMs > 0 ? 'delayed' : 'waiting',
      repeat: gate.repeats[index] ?? false,
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
    assertInputSize(spec.input, this.config.inputLimitBytes, place.input);
    const check = this.registry.checkInput(spec.agent, spec.input, tenant);
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
    const opts = { ...taskJobOptions(spec, id, this.config.retention), jobId: id };
    return { spec, id, queue, insert: jobInsert(queue, spec.agent, data, opts) };
  }
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
