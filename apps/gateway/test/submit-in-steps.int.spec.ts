import { randomUUID } from 'node:crypto';
import { ErrorCode, SCOPES, WorkflowSpecSchema } from '@agentq/contracts';
import { jobInsert, type Principal, type WorkflowEngine } from '@agentq/queue';
import type { GatewayConfig } from '../src/config.js';
import { gatewayKeys } from '../src/gateway-keys.js';
import { ApiError } from '../src/http/api-error.js';
import { IdempotencyStore } from '../src/admission/idempotency.store.js';
import { QueueingFailed } from '../src/admission/outcome-unknown.js';
import { PoolInserts, type PoolJob } from '../src/admission/pool-inserts.js';
import { SubmitGate, type GateTask } from '../src/admission/submit-gate.js';
import { TaskIndex } from '../src/admission/task-index.js';
import { UnfinishedTasks } from '../src/admission/unfinished-tasks.js';
import { RateLimits } from '../src/rate-limit/rate-limits.service.js';
import { GATEWAY_CONFIG, WORKFLOW_ENGINE } from '../src/tokens.js';
import { WorkflowIndex } from '../src/workflows/workflow-index.js';
import { WorkflowsService } from '../src/workflows/workflows.service.js';
import { useGateway } from './gateway-harness.js';

/*
 * The submit as it runs on a Redis Cluster, where each pool's keys have a slot of their own:
 * the gate's checks and records first, then the jobs queued in their pools. Run here on one
 * node, with a gateway that dies between the two steps played by a pool step that fails.
 */
const CAP = 5;

function principal(tenant: string): Principal {
  return {
    keyId: `key-${tenant}`,
    tenant,
    scopes: new Set(SCOPES),
    rateLimit: undefined,
    taskRateLimit: undefined,
  };
}

/** The second step of a gateway that dies after the first. */
class DyingPoolInserts extends PoolInserts {
  override queue(jobs: readonly PoolJob[]): Promise<void> {
    return Promise.reject(new QueueingFailed(`died before queueing ${jobs.length} tasks`));
  }
}

describe('a submit in two steps (each pool in a slot of its own)', () => {
  const gateway = useGateway({ AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: String(CAP) });

  const queue = () => {
    const found = gateway.queues.get('default');
    if (!found) throw new Error('the default pool has no queue');
    return found;
  };

  /** A gate as on a Cluster; `dying`: its gateway dies between the steps. */
  function gateInSteps(dying = false): SubmitGate {
    const base = gateway.app.get<GatewayConfig>(GATEWAY_CONFIG);
    const config = { ...base, poolSlots: true };
    const inserts = dying
      ? new DyingPoolInserts(config, gateway.redis)
      : new PoolInserts(config, gateway.redis);
    return new SubmitGate(
      config,
      gateway.redis,
      gateway.app.get(RateLimits),
      gateway.app.get(IdempotencyStore),
      new UnfinishedTasks(config, gateway.redis),
      gateway.app.get(TaskIndex),
      inserts,
    );
  }

  function task(id: string, idempotencyHash?: string): GateTask {
    const insert = jobInsert(queue(), 'echo', { n: id }, { jobId: id, priority: 2 });
    return { id, jobKey: queue().toKey(id), pool: 'default', idempotencyHash, delayMs: 0, insert };
  }

  const pass = (gate: SubmitGate, tenant: string, tasks: GateTask[]) =>
    gate.pass({ principal: principal(tenant), tasks, charge: undefined, now: Date.now() });

  it('queues the tasks after the gate took them, and indexes them', async () => {
    const tenant = `steps-${randomUUID().slice(0, 8)}`;
    const tasks = [task(randomUUID()), task(randomUUID())];
    expect(await pass(gateInSteps(), tenant, tasks)).toEqual({
      repeats: [false, false],
      workflowRepeat: false,
    });
    expect(await Promise.all(tasks.map((t) => queue().getJobState(t.id)))).toEqual([
      'prioritized',
      'prioritized',
    ]);
    const indexed = await gateway.redis.zrange(
      gatewayKeys.tenantTasks(gateway.prefix, tenant),
      '0',
      '-1',
    );
    expect(indexed).toHaveLength(2);
  });

  it('stores a workflow and its index entry, then queues its first steps', async () => {
    const tenant = `wf-${randomUUID().slice(0, 8)}`;
    const engine = gateway.app.get<WorkflowEngine>(WORKFLOW_ENGINE);
    const spec = WorkflowSpecSchema.parse({
      steps: [
        { id: 'a', agent: 'echo' },
        { id: 'b', agent: 'echo', dependsOn: ['a'] },
      ],
    });
    const id = randomUUID();
    const now = Date.now();
    const tasks = engine.firstSteps(spec, tenant, id).map((step): GateTask => ({
      id: step.taskId,
      pool: step.pool,
      jobKey: step.jobKey,
      delayMs: 0,
      insert: step.insert,
    }));
    const workflow = {
      id,
      records: engine.records(spec, tenant, id),
      claim: undefined,
      stepCount: 2,
      index: gateway.app.get(WorkflowIndex).entry(tenant, id, now),
    };
    await gateInSteps().pass({
      principal: principal(tenant),
      tasks,
      workflow,
      charge: undefined,
      now,
    });

    expect(await queue().getJobState(`wf-${id}-a`)).toBe('prioritized');
    const listed = await gateway.app.get(WorkflowsService).list(tenant, { limit: 10 });
    expect(listed.workflows.map((listedOne) => [listedOne.id, listedOne.steps])).toEqual([
      [id, { total: 2, completed: 0, failed: 0, unfinished: 2 }],
    ]);
  });

  it('queues a keyed task once when its submit is retried after the gateway died between the steps', async () => {
    const tenant = `retry-${randomUUID().slice(0, 8)}`;
    const keyed = task(`idem-${randomUUID()}`, 'spec-hash');

    await expect(pass(gateInSteps(true), tenant, [keyed])).rejects.toThrow(QueueingFailed);
    // The gate claimed the key, but the task was never queued.
    expect(await gateway.redis.get(gatewayKeys.idempotency(gateway.prefix, keyed.id))).toBe(
      'spec-hash',
    );
    expect(await queue().getJobState(keyed.id)).toBe('unknown');

    // The client's retry is a repeat, and queues it.
    expect((await pass(gateInSteps(), tenant, [keyed])).repeats).toEqual([true]);
    expect(await queue().getJobState(keyed.id)).toBe('prioritized');

    // Once run and removed by its retention, a later repeat does not queue it again.
    await queue().remove(keyed.id);
    expect((await pass(gateInSteps(), tenant, [keyed])).repeats).toEqual([true]);
    expect(await queue().getJobState(keyed.id)).toBe('unknown');
  });

  it('drops finished and vanished tasks from a full cap outside the script, then admits', async () => {
    const tenant = `cap-${randomUUID().slice(0, 8)}`;
    const unfinished = gatewayKeys.tenantUnfinished(gateway.prefix, tenant);
    // The cap is full: vanished tasks past the grace period, and one still waiting.
    const longAgo = Date.now() - 3_600_000;
    const waiting = task(randomUUID());
    await pass(gateInSteps(), tenant, [waiting]);
    for (let i = 1; i < CAP; i++) {
      await gateway.redis.zadd(unfinished, longAgo, queue().toKey(`vanished-${i}`));
    }
    const next = [task(randomUUID()), task(randomUUID())];
    expect((await pass(gateInSteps(), tenant, next)).repeats).toEqual([false, false]);
    expect(await gateway.redis.zcard(unfinished)).toBe(3);
    expect(await queue().getJobState(next[1]?.id ?? '')).toBe('prioritized');

    // Full of tasks still waiting: refused, nothing queued.
    const more = [task(randomUUID()), task(randomUUID()), task(randomUUID())];
    const refused = await pass(gateInSteps(), tenant, more).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(ErrorCode.QuotaExceeded);
    expect(await queue().getJobState(more[0]?.id ?? '')).toBe('unknown');
  });
});
