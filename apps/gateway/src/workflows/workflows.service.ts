import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AgentRegistry } from '@agentq/agents';
import {
  ErrorCode,
  IdempotencyKeySchema,
  WorkflowSpecSchema,
  isWorkflowId,
  type PoolName,
  type WorkflowEvent,
  type WorkflowListQuery,
  type WorkflowPage,
  type WorkflowSummary,
  type WorkflowView,
} from '@agentq/contracts';
import type { Principal, WorkflowEngine, RedisClient } from '@agentq/queue';
import { AdmissionPipeline } from '../admission/admission-pipeline.js';
import { IdempotencyConflict } from '../admission/submit-gate.js';
import type { GatewayConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { issueDetails, parseOrThrow } from '../http/parse-or-throw.js';
import { GatewayMetrics } from '../metrics.js';
import { contentHash } from '../admission/spec-hash.js';
import { newWorkflowId } from '../tasks/task-id.js';
import { AGENT_REGISTRY, GATEWAY_CONFIG, REDIS, TASK_QUEUES, WORKFLOW_ENGINE } from '../tokens.js';
import { checkStepInputs } from './workflow-input-check.js';
import { WorkflowChanges } from './workflow-changes.service.js';
import { WorkflowIndex } from './workflow-index.js';

/** Index entries one list request reads at most, however few match its filter. */
const LIST_SCAN_BUDGET = 1000;
/** Index entries read at a time while a filter skips some: a few round trips per page. */
const FILTERED_CHUNK = 250;

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
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(TASK_QUEUES) private readonly queues: ReadonlyMap<PoolName, Queue>,
    @Inject(AGENT_REGISTRY) private readonly registry: AgentRegistry,
    private readonly pipeline: AdmissionPipeline,
    private readonly changes: WorkflowChanges,
    private readonly index: WorkflowIndex,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /**
   * Validates the whole workflow (graph, references, every step's agent and input), then
   * passes the admission pipeline as a batch of its first steps would (each step spends a
   * token of the key's task budget; a 429 refuses the whole workflow), which stores it and
   * queues them in one round trip. A repeated idempotency key answers the first workflow.
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
    const id = newWorkflowId(tenant, idempotencyKey);
    const firstSteps = this.engine.firstSteps(spec, tenant, id);
    const now = Date.now();
    const { workflowRepeat } = await this.pipeline
      .admit({
        principal,
        charge: undefined,
        now,
        agents: spec.steps.map((step) => step.agent),
        admitted: firstSteps.map((step) => ({ ...step, delayMs: 0 })),
        unconfirmed: { workflowId: id },
        tasks: firstSteps.map((step) => ({
          id: step.taskId,
          pool: step.pool,
          jobKey: step.jobKey,
          delayMs: 0,
          insert: step.insert,
        })),
        workflow: {
          id,
          records: this.engine.records(spec, tenant, id),
          claim: idempotencyKey === undefined ? undefined : { id, hash: contentHash(spec) },
          stepCount: spec.steps.length,
          index: this.index.entry(tenant, id, now),
        },
      })
      .catch((error: unknown) => {
        if (!(error instanceof IdempotencyConflict)) throw error;
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
      });
    if (workflowRepeat) {
      // The first workflow of this key: its released steps are queued again, should a worker
      // have died between releasing and queueing them.
      await this.engine.resume(id);
    }
    return { view: await this.get(tenant, id), repeat: workflowRepeat };
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
   * The tenant's workflows, newest first, in the state asked for; pages by an opaque cursor.
   * Each round reads a slice of the index, then every workflow of it in one pipelined call;
   * a filter that skips many reads at most {@link LIST_SCAN_BUDGET} entries, then answers
   * the page it has (maybe short) with a cursor to go on.
   */
  async list(tenant: string, query: WorkflowListQuery): Promise<WorkflowPage> {
    assertRedisReady(this.redis);
    const workflows: WorkflowSummary[] = [];
    let cursor = query.cursor;
    let scanned = 0;
    for (;;) {
      const wanted = query.limit - workflows.length;
      const count = Math.min(
        LIST_SCAN_BUDGET - scanned,
        query.state === undefined ? wanted : Math.max(wanted, FILTERED_CHUNK),
      );
      const { entries, more } = await this.index.page(tenant, cursor, count);
      scanned += entries.length;
      const ids = entries.map((entry) => entry.workflowId);
      for (const [i, summary] of (await this.engine.summaries(tenant, ids)).entries()) {
        if (!summary) continue;
        if (query.state !== undefined && summary.state !== query.state) continue;
        workflows.push(summary);
        if (workflows.length === query.limit) {
          const last = i === entries.length - 1 && !more;
          return { workflows, nextCursor: last ? null : (entries[i]?.cursor ?? null) };
        }
      }
      cursor = entries.at(-1)?.cursor;
      if (!more || cursor === undefined) return { workflows, nextCursor: null };
      if (scanned >= LIST_SCAN_BUDGET) return { workflows, nextCursor: cursor };
    }
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

function notFound(id: string): ApiError {
  return new ApiError(ErrorCode.NotFound, `workflow ${id} not found`);
}
