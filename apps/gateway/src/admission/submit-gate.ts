import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_TENANT_WEIGHT,
  INSERT_JOB_LUA,
  loadLuaScript,
  packScriptArg,
  unpackScriptReply,
  type JobInsert,
  type Principal,
  type WorkflowRecords,
  type RedisClient,
} from '@agentq/queue';
import { RateLimits, tasksRefused, type RequestCharge } from '../rate-limit/rate-limits.service.js';
import { bucketRate, toTake, type BucketArgs } from '../rate-limit/token-bucket.js';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { UnreplicatedWrite } from './outcome-unknown.js';
import { runAcknowledged } from './acknowledged-run.js';
import { GateCall } from './gate-call.js';
import {
  IdempotencyStore,
  toClaimOutcomes,
  type Claim,
  type ClaimOutcome,
  type ClaimsArgs,
} from './idempotency.store.js';
import {
  PoolInserts,
  blockArgs,
  type FairTurn,
  type InsertBlock,
  type PoolJob,
} from './pool-inserts.js';
import { TaskIndex, memberOf, type IndexArgs } from './task-index.js';
import { turnBatcher } from './turn-batch.js';
import { UnfinishedTasks, type CapArgs } from './unfinished-tasks.js';

/** Every check and record of a submit and its enqueue, in one script: `lua/submit-gate.lua`. */
const SUBMIT_GATE = loadLuaScript('submit-gate', {
  'includes/bullmq-insert-job': INSERT_JOB_LUA,
});

/** One job of a submit as the script reads it. */
interface JobArgs {
  /** Its claim's number in `claims` (0: none). */
  claim: number;
  /** Its BullMQ job key, as the tenant cap counts it. */
  jobKey: string;
  /** Its entry in the tenant's task index. */
  member: string;
  /** Its queue's add script, a number in the call's blocks (0: queued after, in its pool's slot). */
  block: number;
  /** BullMQ's packed arguments and options: their ARGV numbers. */
  args: number;
  data: string;
  opts: number;
  /** With fair sharing on: whose turn it takes (`lua/includes/fair-share.lua`). */
  tenant?: string;
  weight?: number;
}

/** A new workflow's records as the script writes them (`lua/includes/create-workflow.lua`). */
interface WorkflowArgs {
  claim: number;
  hashes: { key: number; fields: (string | number)[] }[];
  events: number;
  event: string[];
  /** Marks it as being created until its first steps are queued (when queued after the gate). */
  creating?: { key: number; id: string; at: number };
  /** Its entry in the tenant's workflow index, and the trim (as the task index's). */
  index?: { key: number; member: string; tooOld: string; keep: number };
}

/** One submit as the script reads it: each policy's named arguments. */
interface GateSubmit {
  requests?: BucketArgs;
  /** None: the key's budget was charged already (a submit tried again). */
  tasks?: BucketArgs & { cost: number };
  claims: ClaimsArgs;
  cap?: CapArgs;
  index?: IndexArgs;
  workflow?: WorkflowArgs;
  jobs: JobArgs[];
}

/** One submit's answer from the script. */
interface GateReply {
  outcome: 'ok' | 'requests' | 'tasks' | 'conflict' | 'quota' | 'error';
  /** The request bucket's tokens left ('-1' when not taken) and ms until it is full. */
  requestTokens: string;
  requestFullMs: number;
  /** ms until a refused bucket can afford the take. */
  waitMs: number;
  /** Per claim, its outcome's letter (`ok`). */
  claims?: string;
  /** The conflicting claim's number (`conflict`). */
  conflict?: number;
  /** The tenant's unfinished tasks (`quota`). */
  unfinished?: number;
  /** The jobs queued (`ok`), or that would have been (`quota`). */
  queued?: number;
  error?: string;
  /** Set here, not by the script: the replicas that had an `ok` submit's write in time. */
  unreplicated?: number;
}

/** A reply that judged the submit (not a server fault). */
type JudgedReply = GateReply & { outcome: Exclude<GateReply['outcome'], 'error'> };

/** One task of a submit as the gate sees it. */
export interface GateTask {
  id: string;
  /** Where the task goes (its BullMQ job key counts toward the tenant's cap). */
  jobKey: string;
  pool: string;
  /** The spec's hash, when it has an idempotency key. */
  idempotencyHash?: string;
  /** When it starts, in ms after the submit (its idempotency claim lasts that much longer). */
  delayMs: number;
  /** Its job, as `queue.add` would send it (`jobInsert`). */
  insert: JobInsert;
}

/** A workflow created by a submit: its records, and its claim when it has an idempotency key. */
export interface GateWorkflow {
  id: string;
  records: WorkflowRecords;
  claim: Claim | undefined;
  /** Steps in all: each spends a token of the key's task budget, as a batch's tasks do. */
  stepCount: number;
  /** Its entry in the tenant's workflow index, written with its records. */
  index?: GateWorkflowIndex;
}

/** An entry of a tenant's workflow index: the index, the member, and how it is trimmed. */
export interface GateWorkflowIndex {
  key: string;
  member: string;
  /** The exclusive lex bound of entries too old to keep. */
  tooOld: string;
  keep: number;
}

export interface GateRequest {
  principal: Principal;
  /** The tasks to queue: a submit's, or a workflow's first steps. */
  tasks: readonly GateTask[];
  /** The workflow the tasks start, if any. */
  workflow?: GateWorkflow;
  /** The request, when its token is taken here (its route's guard did not). */
  charge: RequestCharge | undefined;
  /** Submit time, for the index and the cap's grace period. */
  now: number;
}

/** What a submit that passed the gate learned; its other tasks are queued. */
export interface GatePass {
  /** Per task: whether its idempotency key was used before with the same spec (not queued again). */
  repeats: boolean[];
  /** Whether the workflow's idempotency key was used before with the same spec. */
  workflowRepeat: boolean;
}

/** The task the gate refused for a conflicting idempotency key (409; 0-based), or the workflow. */
export class IdempotencyConflict extends Error {
  constructor(readonly taskIndex: number) {
    super('idempotency key used with another spec');
  }
}

/** How many single submits share one gate call at most. */
const SINGLES_PER_CALL = 8;

/** One submit's arguments, given the call it is part of (which numbers its keys). */
type SubmitArgs = (call: GateCall) => GateSubmit;

/**
 * Runs the submit gate for a submit and turns its answer into a pass or an error. Each policy
 * (request and task budgets, idempotency, tenant cap, index) names its own keys and
 * arguments; the script runs them in order, and the enqueue, in one round trip.
 *
 * On a Cluster each pool's keys have a hash slot of their own (`poolKeyPrefix`), apart from
 * the gate's: the submit then takes two steps, the gate's checks and records, then the jobs
 * queued in their pools ({@link PoolInserts}). Either step may be the last a dying gateway
 * takes; what it leaves is recovered: a repeat of an idempotent submit queues its tasks if
 * they never were (and never twice), a workflow's first steps are queued by the workers'
 * recovery of creates, and a task that was never queued only holds its tenant's cap until
 * the cap drops it as vanished (the client never had an acknowledgement for it).
 */
@Injectable()
export class SubmitGate {
  /**
   * Single submits of one event-loop turn share calls, a few per call: one call for a whole
   * turn would keep the gateway idle while Redis runs it, then Redis idle while the gateway
   * answers (measured with 16 connections: 8 per call 8.4k submits/s, 100 per call 7.2k).
   * Batches are big enough alone.
   */
  private readonly singles = turnBatcher(
    (submits: readonly SubmitArgs[]) => this.run(submits),
    SINGLES_PER_CALL,
  );
  /** Per queue and add script, its block number (1-based). */
  private readonly blockNumbers = new Map<string, number>();
  /** The blocks' keys, first in every call's KEYS, and their packed list; only grows. */
  private readonly blockKeys = new GateCall([], 0);
  private readonly blocks: InsertBlock[] = [];
  private packedBlocks = packScriptArg([]);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly rateLimits: RateLimits,
    private readonly idempotency: IdempotencyStore,
    private readonly unfinished: UnfinishedTasks,
    private readonly index: TaskIndex,
    private readonly poolInserts: PoolInserts,
  ) {}

  /**
   * Throws the refusal: 429 (requests, tasks, quota) as ApiError, a conflicting key as
   * {@link IdempotencyConflict}. A charged request gets its RateLimit headers either way.
   */
  async pass(request: GateRequest): Promise<GatePass> {
    const { principal, tasks, workflow, now, charge } = request;
    const tenant = principal.tenant;
    const requests = this.rateLimits.requestBudget(principal);
    const cost = workflow?.stepCount ?? tasks.length;
    const budget = this.rateLimits.taskBudget(principal, cost);
    // A workflow's tasks share its claim; a task submit's keyed tasks have one each.
    const keyed = tasks.flatMap((task, index) =>
      task.idempotencyHash === undefined ? [] : [{ index, hash: task.idempotencyHash }],
    );
    const claims: Claim[] = workflow
      ? workflow.claim
        ? [workflow.claim]
        : []
      : keyed.map(({ index, hash }) => ({ id: tasks[index]?.id ?? '', hash }));
    const claimNumber = new Map(keyed.map(({ index }, position) => [index, position + 1]));
    const claimOf = (index: number) => (workflow ? claims.length : (claimNumber.get(index) ?? 0));
    // One TTL per submit: until its latest keyed task can have run and been forgotten.
    const claimDelayMs = Math.max(0, ...keyed.map(({ index }) => tasks[index]?.delayMs ?? 0));
    const inSteps = this.config.poolSlots;
    const blocks = inSteps ? [] : tasks.map((task) => this.blockOf(task.pool, task.insert));
    const fair = this.fairTurn(tenant);
    const args: SubmitArgs = (call) => ({
      ...(charge && { requests: { key: call.key(requests.key), ...bucketRate(requests.limit) } }),
      tasks: { key: call.key(budget.key), ...bucketRate(budget.limit), cost },
      claims: this.idempotency.args(call, claims, claimDelayMs),
      cap: this.unfinished.args(call, tenant, now, !inSteps),
      ...(workflow
        ? {
            workflow: workflowArgs(call, workflow, claims.length, inSteps ? now : undefined),
          }
        : { index: this.index.args(call, tenant, now) }),
      jobs: tasks.map((task, i) => ({
        claim: claimOf(i),
        jobKey: task.jobKey,
        member: memberOf({ pool: task.pool, taskId: task.id, submittedAt: now }),
        ...(inSteps
          ? { block: 0, args: 0, data: '', opts: 0 }
          : {
              block: blocks[i] ?? 0,
              args: call.binary(task.insert.argv[0]),
              data: task.insert.argv[1],
              opts: call.binary(task.insert.argv[2]),
              ...fair,
            }),
      })),
    });
    const single = tasks.length === 1 && !workflow;
    let reply = await this.gateOnce(args, single);
    if (
      inSteps &&
      reply.outcome === 'quota' &&
      (await this.unfinished.dropFinished(tenant, now)) > 0
    ) {
      // Its budgets were charged by the first try: the second only checks and records.
      const again = await this.gateOnce((call) => ({ ...args(call), tasks: undefined }), false);
      reply = { ...again, requestTokens: reply.requestTokens, requestFullMs: reply.requestFullMs };
    }
    if (charge) {
      charge.taken = true;
      const allowed = reply.outcome === 'requests' ? 0 : 1;
      // Throws the 429 of a refused request; sets the RateLimit headers otherwise.
      this.rateLimits.answerRequest(
        requests.limit,
        toTake([allowed, reply.requestTokens, allowed ? 0 : reply.waitMs, reply.requestFullMs]),
        charge.reply,
      );
    }
    switch (reply.outcome) {
      case 'ok':
        break;
      case 'tasks':
        throw tasksRefused(budget.limit, reply.waitMs);
      case 'conflict':
        throw new IdempotencyConflict(keyed[(reply.conflict ?? 1) - 1]?.index ?? 0);
      case 'quota':
        throw this.unfinished.quotaExceeded(reply.unfinished ?? 0, reply.queued ?? 0);
      case 'requests':
        // answerRequest threw: only a charged request's bucket is tried.
        throw new Error('the submit gate refused a request it was not asked to charge');
    }
    const outcomes: ClaimOutcome[] = toClaimOutcomes(reply.claims ?? '');
    const repeats = tasks.map(() => false);
    keyed.forEach(({ index }, position) => (repeats[index] = outcomes[position] === 'repeat'));
    const workflowRepeat = workflow?.claim !== undefined && outcomes[0] === 'repeat';
    if (workflowRepeat) repeats.fill(true);
    if (inSteps) {
      const markFor = this.idempotency.ttlSeconds(claimDelayMs);
      await this.queueInPools(tasks, workflow, workflowRepeat, fair, (i) =>
        claimOf(i) > 0 ? markFor : undefined,
      );
    }
    return { repeats, workflowRepeat };
  }

  /**
   * The gate's one answer for a submit; throws a server fault (Redis refused a write, say:
   * the request's token is left to `chargedBy`) and an unreplicated write.
   */
  private async gateOnce(args: SubmitArgs, single: boolean): Promise<JudgedReply> {
    const reply = single ? await this.singles.load(args) : (await this.run([args]))[0];
    if (!reply) throw new Error('the submit gate gave no answer');
    if (reply.outcome === 'error') throw new Error(`the submit gate failed: ${reply.error}`);
    if (reply.unreplicated !== undefined) {
      throw new UnreplicatedWrite(
        `the submit reached ${reply.unreplicated} of ${this.config.ackReplicas.count} replicas in time`,
      );
    }
    return { ...reply, outcome: reply.outcome };
  }

  /**
   * The second step on a Cluster: queues a passed submit's tasks in their pools' slots. A
   * task submit's tasks go every time, a repeat's too (queued only if it never was: a gateway
   * may have died between the steps); a workflow's first steps when it is new (a repeat's
   * are queued again by the workflow's `resume`), then it is no longer being created.
   */
  private async queueInPools(
    tasks: readonly GateTask[],
    workflow: GateWorkflow | undefined,
    workflowRepeat: boolean,
    fair: FairTurn | undefined,
    markForOf: (index: number) => number | undefined,
  ): Promise<void> {
    if (workflowRepeat) return;
    const jobs: PoolJob[] = tasks.map((task, i) => {
      const markFor = workflow ? undefined : markForOf(i);
      return {
        pool: task.pool,
        taskId: task.id,
        insert: task.insert,
        ...(markFor && { markFor }),
        ...(fair && { fair }),
      };
    });
    await this.poolInserts.queue(jobs);
    if (workflow) await this.redis.zrem(workflow.records.creating, workflow.id);
  }

  /**
   * The block number of a queue's add script, registered on first use: every call passes
   * every block known so far, so a number once given stays valid.
   */
  private blockOf(pool: string, insert: JobInsert): number {
    const name = `${pool}\n${insert.kind}`;
    let number = this.blockNumbers.get(name);
    if (number === undefined) {
      this.blocks.push(blockArgs(this.blockKeys, insert));
      number = this.blocks.length;
      this.blockNumbers.set(name, number);
      this.packedBlocks = packScriptArg(this.blocks);
    }
    return number;
  }

  /** The tenant's turn among a pool's tenants, when fair sharing is on. */
  private fairTurn(tenant: string): FairTurn | undefined {
    if (!this.config.fairShare) return undefined;
    return { tenant, weight: this.config.tenants[tenant]?.weight ?? DEFAULT_TENANT_WEIGHT };
  }

  /** One gate call for these submits, in order; answers each one's reply. */
  private async run(submits: readonly SubmitArgs[]): Promise<GateReply[]> {
    // ARGV: 1 the blocks, 2 the submits, then the binaries they name. On a Cluster the gate
    // queues nothing: no block, whose keys are in the pools' slots.
    const call = new GateCall(this.config.poolSlots ? [] : this.blockKeys.keys, 3);
    const packed = packScriptArg(submits.map((args) => args(call)));
    const blocks = this.config.poolSlots ? packScriptArg([]) : this.packedBlocks;
    const { reply, replicated } = await runAcknowledged(
      SUBMIT_GATE,
      this.redis,
      call.keys,
      [blocks, packed, ...call.binaries],
      this.config.ackReplicas,
    );
    const replies = unpackScriptReply<GateReply[]>(reply);
    if (replicated < this.config.ackReplicas.count) {
      for (const gated of replies) if (gated.outcome === 'ok') gated.unreplicated = replicated;
    }
    return replies;
  }
}

/**
 * A workflow's records with their keys as numbers of the call's KEYS; with `creatingAt`, it
 * is marked as being created from then on.
 */
function workflowArgs(
  call: GateCall,
  workflow: GateWorkflow,
  claim: number,
  creatingAt: number | undefined,
): WorkflowArgs {
  const { hashes, events, event, creating } = workflow.records;
  const { index } = workflow;
  return {
    claim,
    hashes: hashes.map(({ key, fields }) => ({ key: call.key(key), fields })),
    events: call.key(events),
    event,
    ...(index && { index: { ...index, key: call.key(index.key) } }),
    ...(creatingAt !== undefined && {
      creating: { key: call.key(creating), id: workflow.id, at: creatingAt },
    }),
  };
}
