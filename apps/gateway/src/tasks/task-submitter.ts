import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
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
import { traceCarrier } from '@agentq/telemetry';
import { AdmissionPipeline } from '../admission/admission-pipeline.js';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { issueDetails } from '../http/parse-or-throw.js';
import { GatewayMetrics } from '../metrics.js';
import type { RequestCharge } from '../rate-limit/rate-limits.service.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, TASK_QUEUES } from '../tokens.js';
import { assertInputSize } from './input-size.js';
import { specHash } from '../admission/spec-hash.js';
import { IdempotencyConflict } from '../admission/submit-gate.js';
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
  /** Its job, as `queue.add` would send it. */
  insert: JobInsert;
}

/**
 * Turns validated specs into queued tasks: checks each spec (pool, input size, the agent's
 * input), makes its job, and passes them all through the admission pipeline. Nothing is
 * queued unless every spec is accepted.
 */
@Injectable()
export class TaskSubmitter {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly pipeline: AdmissionPipeline,
    private readonly metrics: GatewayMetrics,
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
    const gate = await this.pipeline
      .admit({
        principal,
        charge,
        now: Date.now(),
        agents: specs.map((spec) => spec.agent),
        admitted: specs,
        unconfirmed: { taskIds: prepared.map((task) => task.id) },
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
      ...traceField(),
    };
    const opts = { ...taskJobOptions(spec, id, this.config.retention), jobId: id };
    return { spec, id, queue, insert: jobInsert(queue, spec.agent, data, opts) };
  }
}

/** The request's trace context, for the job: none when tracing is off. */
function traceField(): Pick<TaskJobData, 'trace'> {
  const carrier = traceCarrier();
  return carrier === undefined ? {} : { trace: carrier };
}
