import { Inject, Injectable } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AgentRegistry } from '@agentq/agents';
import {
  ErrorCode,
  TASK_JOB_DATA_VERSION,
  type PoolName,
  type TaskAccepted,
  type TaskJobData,
  type TaskSpec,
  type TaskView,
} from '@agentq/contracts';
import { taskJobOptions, toTaskView } from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { issueDetails } from '../http/parse-or-throw.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS, TASK_QUEUES } from '../tokens.js';
import { isPlausibleTaskId, newTaskId } from './task-id.js';

/** Until API keys arrive every task belongs to one tenant. */
const DEFAULT_TENANT = 'default';

@Injectable()
export class TasksService {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
  ) {}

  /** Validates the input against its agent and enqueues the task on its pool. */
  async submit(spec: TaskSpec): Promise<TaskAccepted> {
    const queue = this.queueOf(spec.pool);
    const check = this.registry.checkInput(spec.agent, spec.input);
    if (!check.ok) {
      if (check.reason === 'unknown-agent') {
        throw new ApiError(ErrorCode.UnknownAgent, `unknown agent "${spec.agent}"`, {
          known: this.registry.names(),
        });
      }
      const details = issueDetails(check.issues, 'input');
      throw new ApiError(
        ErrorCode.ValidationFailed,
        `invalid input for agent "${spec.agent}": ${details.map((d) => d.path).join(', ')}`,
        details,
      );
    }
    this.assertRedisReady();
    const id = newTaskId(DEFAULT_TENANT, spec.idempotencyKey);
    const data: TaskJobData = {
      v: TASK_JOB_DATA_VERSION,
      agent: spec.agent,
      input: check.input,
      tenant: DEFAULT_TENANT,
      ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
      ...(spec.metadata === undefined ? {} : { metadata: spec.metadata }),
    };
    await queue.add(spec.agent, data, taskJobOptions(spec, id, this.config.retention));
    return { id, state: spec.delayMs > 0 ? 'delayed' : 'waiting' };
  }

  /** The task's view, or 404. */
  async get(id: string): Promise<TaskView> {
    const found = await this.find(id);
    if (!found) throw new ApiError(ErrorCode.NotFound, `task ${id} not found`);
    const state = await found.job.getState();
    return toTaskView(found.job, state, found.pool);
  }

  private async find(id: string): Promise<{ job: Job<TaskJobData>; pool: PoolName } | undefined> {
    if (!isPlausibleTaskId(id)) return undefined;
    this.assertRedisReady();
    for (const [pool, queue] of this.queues) {
      const job = (await queue.getJob(id)) as Job<TaskJobData> | undefined;
      if (job) return { job, pool };
    }
    return undefined;
  }

  private queueOf(pool: PoolName): Queue {
    const queue = this.queues.get(pool);
    if (!queue) {
      throw new ApiError(ErrorCode.ValidationFailed, `unknown pool "${pool}"`, [
        {
          path: 'body.pool',
          message: `pool must be one of: ${[...this.queues.keys()].join(', ')}`,
        },
      ]);
    }
    return queue;
  }

  private assertRedisReady(): void {
    if (this.redis.status !== 'ready') {
      throw new ApiError(ErrorCode.Unavailable, 'Redis is unavailable; retry later');
    }
  }
}
