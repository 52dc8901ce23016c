import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { AgentRegistry } from '@agentq/agents';
import {
  DEFAULT_POOL,
  DEFAULT_PRIORITY,
  ErrorCode,
  IdempotencyKeySchema,
  WorkflowSpecSchema,
  isWorkflowId,
  type WorkflowSpec,
  type PoolName,
  type WorkflowEvent,
  type WorkflowView,
} from '@agentq/contracts';
import { stepTaskId, type Principal, type WorkflowEngine } from '@agentq/queue';
import { AdmissionService, type BacklogDemand } from '../admission/admission.service.js';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { issueDetails, parseOrThrow } from '../http/parse-or-throw.js';
import { GatewayMetrics } from '../metrics.js';
import { RateLimits } from '../rate-limit/rate-limits.service.js';
import { IdempotencyStore } from '../tasks/idempotency.store.js';
import { contentHash } from '../tasks/spec-hash.js';
import { newWorkflowId } from '../tasks/task-id.js';
import { UnfinishedTasks } from '../tenant-cap/unfinished-tasks.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS, TASK_QUEUES, WORKFLOW_ENGINE } from '../tokens.js';
import { checkStepInputs } from './workflow-input-check.js';
import { mayHaveWritten, outcomeUnknown } from '../http/outcome-unknown.js';
import { LlmBudgets } from '../usage/llm-budgets.js';
import { WorkflowChanges } from './workflow-changes.service.js';

/** A submitted workflow's answer; `repeat` when its idempotency key was seen before. */
export interface SubmittedWorkflow {
  view: WorkflowView;
  repeat: boolean;
}

/** Submits, reads, waits for and cancels a tenant's workflows; another tenant's are unknown. */
@Injectable()
export class WorkflowsService {
  constructor(
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly idempotency: IdempotencyStore,
    private readonly admission: AdmissionService,
    private readonly changes: WorkflowChanges,
    private readonly metrics: GatewayMetrics,
    private readonly rateLimits: RateLimits,
    private readonly unfinished: UnfinishedTasks,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly budgets: LlmBudgets,
  ) {}

  /**
   * Validates the whole workflow (graph, references, every step's agent and input), takes
   * one token per step from the key's task budget, reserves its first steps in the tenant's
   * cap on unfinished tasks and admits them against their pools' backlog limits (as tasks; a
   * 429 refuses the whole workflow), then stores it and queues them. A repeated idempotency
   * key answers the first workflow (and re-queues its released steps, in case its first
   * submit died midway).
   */
  async submit(
    principal: Principal,
    body: unknown,
    idempotencyKey: string | undefined,
  ): Promise<SubmittedWorkflow> {
    if (idempotencyKey !== undefined) {
      parseOrThrow(IdempotencyKeySchema, idempotencyKey, 'headers.idempotency-key');
    }
    const parsed = WorkflowSpecSchema.safeParse(body);
    if (!parsed.success) {
      const details = issueDetails(parsed.error.issues, 'body');
      throw new ApiError(
        ErrorCode.ValidationFailed,
        `invalid workflow: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      );
    }
    const spec = parsed.data;
    const tenant = principal.tenant;
    checkStepInputs(
      spec,
      tenant,
      this.registry,
      new Set(this.queues.keys()),
      this.config.inputLimitBytes,
    );
    assertRedisReady(this.redis);
    await this.budgets.assertWithin(
      tenant,
      spec.steps.map((step) => step.agent),
    );
    // Every step is a task: the workflow spends the key's task budget as a batch would.
    await this.rateLimits.takeTasks(principal, spec.steps.length);

    const id = newWorkflowId(tenant, idempotencyKey);
    if (idempotencyKey !== undefined) {
      const [outcome] = await this.idempotency.claim([{ taskId: id, hash: contentHash(spec) }]);
      if (outcome === 'conflict') {
        throw new ApiError(
          ErrorCode.Conflict,
          'Idempotency-Key was already used with a different workflow',
          [
            {
              path: 'headers.idempotency-key',
              message: 'this key was first used with another body',
            },
          ],
        );
      }
      if (outcome === 'repeat') {
        if (!(await this.engine.get(id))) {
          // The first submit with this key claimed it and is storing the workflow right now.
          throw new ApiError(
            ErrorCode.Conflict,
            'the workflow of this Idempotency-Key is still being created; retry shortly',
          );
        }
        await this.engine.resume(id);
        return { view: await this.get(tenant, id), repeat: true };
      }
    }
    const releaseClaim = () =>
      idempotencyKey === undefined ? Promise.resolve() : this.idempotency.release([id]);
    // The steps queued now count toward the tenant's cap; those released later were accepted
    // with the workflow (as they skip admission).
    const roots = spec.steps
      .filter((step) => step.dependsOn.length === 0)
      .map((step) => ({ pool: step.pool ?? DEFAULT_POOL, id: stepTaskId(id, step.id) }));
    const tenantCap = await this.unfinished.reserve(tenant, roots).catch(async (error) => {
      await releaseClaim();
      throw error;
    });
    const release = async () => {
      await Promise.all([releaseClaim(), tenantCap.release()]);
    };
    const admission = await this.admission.admit(rootDemands(spec)).catch(async (error) => {
      await release();
      throw error;
    });
    try {
      await this.engine.create(spec, tenant, id);
    } catch (error) {
      admission.release();
      // The workflow may exist: its idempotency claim stays, so a retry with the key finds it.
      if (mayHaveWritten(error)) throw outcomeUnknown({ workflowId: id });
      await release();
      throw error;
    }
    admission.enqueued();
    return { view: await this.get(tenant, id), repeat: false };
  }

  /** The workflow's view, or 404. */
  async get(tenant: string, id: string): Promise<WorkflowView> {
    if (!isWorkflowId(id)) throw notFound(id);
    assertRedisReady(this.redis);
    const found = await this.engine.get(id);
    if (!found) throw notFound(id);
    const { tenant: owner, ...view } = found;
    if (owner !== tenant) throw notFound(id);
    return view;
  }

  /**
   * The workflow's view once it settled (every step ended), or after `seconds` whatever its
   * state. The listener is registered before the first read, so nothing in between is lost.
   */
  async waitFor(tenant: string, id: string, seconds: number): Promise<WorkflowView> {
    let wake: () => void = () => undefined;
    const unsubscribe = this.changes.subscribe(id, () => wake());
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000)));
    let over = false;
    void timedOut.then(() => (over = true));
    this.metrics.waitingRequests.inc();
    try {
      for (;;) {
        const changed = new Promise<void>((resolve) => (wake = resolve));
        const view = await this.get(tenant, id);
        if (view.finishedAt !== null || over || this.changes.isClosing) return view;
        await Promise.race([changed, timedOut]);
      }
    } finally {
      unsubscribe();
      clearTimeout(timer);
      this.metrics.waitingRequests.dec();
    }
  }

  /**
   * Cancels a running workflow: pending steps end cancelled, running ones are aborted (and
   * end cancelled when their workers stop them). 409 once the workflow has ended.
   */
  async cancel(tenant: string, id: string): Promise<WorkflowView> {
    const before = await this.get(tenant, id);
    if ((await this.engine.cancel(id)) === 'not-running') {
      throw new ApiError(ErrorCode.Conflict, `workflow ${id} already ended (${before.state})`, {
        state: before.state,
      });
    }
    return this.get(tenant, id);
  }

  /** The workflow's transitions after stream entry `after` (check the tenant with `get` first). */
  events(id: string, after: string): Promise<{ id: string; event: WorkflowEvent }[]> {
    return this.engine.events(id, after);
  }
}

/** The steps queued at submit (those without dependencies), per pool and priority. */
function rootDemands(spec: WorkflowSpec): BacklogDemand[] {
  const demands = new Map<string, BacklogDemand>();
  for (const step of spec.steps.filter((s) => s.dependsOn.length === 0)) {
    const pool = step.pool ?? DEFAULT_POOL;
    const priority = step.priority ?? DEFAULT_PRIORITY;
    const demand = demands.get(`${pool}/${priority}`) ?? { pool, priority, count: 0 };
    demand.count += 1;
    demands.set(`${pool}/${priority}`, demand);
  }
  return [...demands.values()];
}

function notFound(id: string): ApiError {
  return new ApiError(ErrorCode.NotFound, `workflow ${id} not found`);
}
