import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import type { PoolName, PriorityLevel } from '@agentq/contracts';
import { assertRedisReady } from '../http/assert-redis-ready.js';
import { REDIS } from '../tokens.js';
import { LlmBudgets } from '../usage/llm-budgets.js';
import { BacklogLimit, type BacklogDemand } from './backlog-limit.js';
import { mayHaveWritten, outcomeUnknown } from './outcome-unknown.js';
import { SubmitGate, type GatePass, type GateRequest } from './submit-gate.js';

/** A task the submit queues, as admission weighs it. */
export interface AdmittedTask {
  pool: PoolName;
  priority: PriorityLevel;
  /** Delayed tasks do not wait yet, so they are not held against the backlog. */
  delayMs: number;
}

export interface Submit extends GateRequest {
  /** Every agent the submit will run (a workflow's steps too), for the tenant's LLM budget. */
  agents: readonly string[];
  /** The tasks queued now, per `GateRequest.tasks`, as admission weighs them. */
  admitted: readonly AdmittedTask[];
  /** What a client is told was maybe queued if Redis does not confirm the gate. */
  unconfirmed: Parameters<typeof outcomeUnknown>[0];
}

/**
 * The one way tasks enter the system, for a task, a batch and a workflow's first steps: the
 * tenant's LLM budget, the pools' backlog limits, then the submit gate (request and task
 * budgets, idempotency, tenant cap, enqueue, index) in one round trip. Each refusal is its
 * policy's error; nothing is queued unless every task passed.
 */
@Injectable()
export class AdmissionPipeline {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly budgets: LlmBudgets,
    private readonly backlog: BacklogLimit,
    private readonly gate: SubmitGate,
  ) {}

  /** Throws the refusal (ApiError, or `IdempotencyConflict` for the caller to place). */
  async admit(submit: Submit): Promise<GatePass> {
    await this.budgets.assertWithin(submit.principal.tenant, submit.agents);
    assertRedisReady(this.redis);
    // Before the gate, which enqueues: a repeat is counted too, so while its pool is full a
    // repeat is refused (429) like a new submit, as a rate-limited one is.
    const admission = await this.backlog.admit(demandsOf(submit.admitted));
    try {
      const pass = await this.gate.pass(submit);
      admission.enqueued();
      return pass;
    } catch (error) {
      admission.release();
      if (mayHaveWritten(error)) throw outcomeUnknown(submit.unconfirmed);
      throw error;
    }
  }
}

function demandsOf(tasks: readonly AdmittedTask[]): BacklogDemand[] {
  const counts = new Map<string, BacklogDemand>();
  for (const task of tasks) {
    if (task.delayMs > 0) continue;
    const key = `${task.pool}/${task.priority}`;
    const demand = counts.get(key) ?? { pool: task.pool, priority: task.priority, count: 0 };
    demand.count += 1;
    counts.set(key, demand);
  }
  return [...counts.values()];
}
