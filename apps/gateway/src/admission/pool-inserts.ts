import { Inject, Injectable } from '@nestjs/common';
import type DataLoader from 'dataloader';
import {
  INSERT_JOB_LUA,
  fairShareKeys,
  loadLuaScript,
  packScriptArg,
  poolKeyPrefix,
  unpackScriptReply,
  type JobInsert,
  type RedisClient,
} from '@agentq/queue';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { runAcknowledged } from './acknowledged-run.js';
import { GateCall } from './gate-call.js';
import { QueueingFailed, UnreplicatedWrite } from './outcome-unknown.js';
import { turnBatcher } from './turn-batch.js';

/** Queues jobs in one pool's slot, each at most once while its marker lasts: `lua/pool-insert.lua`. */
const POOL_INSERT = loadLuaScript('pool-insert', {
  'includes/bullmq-insert-job': INSERT_JOB_LUA,
});

/** A job to queue in its pool, after the submit gate took its submit. */
export interface PoolJob {
  pool: string;
  taskId: string;
  insert: JobInsert;
  /**
   * Seconds its "queued once" marker lasts (its idempotency claim's): a retried submit
   * queues it only if it never was. None: no marker (no key can repeat the submit).
   */
  markFor?: number;
  /** Its tenant's turn among the pool's tenants (fair sharing on), by weight. */
  fair?: FairTurn;
}

/** Whose task a job is, for fair sharing (`lua/includes/fair-share.lua`). */
export interface FairTurn {
  tenant: string;
  weight: number;
}

/** An add script of a call, as `lua/pool-insert.lua` reads it. */
export interface InsertBlock {
  kind: number;
  keys: number[];
  fair?: { prioritized: number; counter: number; state: number };
}

/** Jobs of one pool per call at most (a batch's are sent in calls of this many). */
const JOBS_PER_CALL = 500;

/**
 * The second step of a submit on a Cluster, where each pool's keys have a slot of their own:
 * the gate's checks and records ran in the system's slot, and the jobs are queued here, in
 * their pools' slots. The jobs of one pool from one event-loop turn share a call.
 */
@Injectable()
export class PoolInserts {
  private readonly batchers = new Map<string, DataLoader<PoolJob, undefined>>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  /** Resolves once every job is queued (or was, before); else throws {@link QueueingFailed}. */
  async queue(jobs: readonly PoolJob[]): Promise<void> {
    const outcomes = await Promise.allSettled(jobs.map((job) => this.batcher(job.pool).load(job)));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      const reason: unknown = failed.reason;
      if (reason instanceof UnreplicatedWrite) throw reason;
      throw new QueueingFailed(
        `could not queue a task in its pool: ${reason instanceof Error ? reason.message : String(reason)}`,
      );
    }
  }

  private batcher(pool: string): DataLoader<PoolJob, undefined> {
    let batcher = this.batchers.get(pool);
    if (!batcher) {
      batcher = turnBatcher((jobs: readonly PoolJob[]) => this.run(pool, jobs), JOBS_PER_CALL);
      this.batchers.set(pool, batcher);
    }
    return batcher;
  }

  /** One call for jobs of one pool; answers, per job, nothing or its error. */
  private async run(pool: string, jobs: readonly PoolJob[]): Promise<(undefined | Error)[]> {
    // ARGV: 1 the blocks, 2 the jobs, then the binaries they name.
    const call = new GateCall([], 3);
    const blocks: InsertBlock[] = [];
    const blockNumbers = new Map<number, number>();
    const blockOf = (insert: JobInsert) => {
      let number = blockNumbers.get(insert.kind);
      if (number === undefined) {
        number = blocks.push(blockArgs(call, insert));
        blockNumbers.set(insert.kind, number);
      }
      return number;
    };
    const keyPrefix = poolKeyPrefix(this.config.prefix, pool);
    const packedJobs = jobs.map(({ taskId, insert, markFor, fair }) => ({
      block: blockOf(insert),
      args: call.binary(insert.argv[0]),
      data: insert.argv[1],
      opts: call.binary(insert.argv[2]),
      marker: markFor === undefined ? 0 : call.key(gatewayKeys.queuedOnce(keyPrefix, taskId)),
      ttl: markFor ?? 0,
      ...fair,
    }));
    const { reply, replicated } = await runAcknowledged(
      POOL_INSERT,
      this.redis,
      call.keys,
      [packScriptArg(blocks), packScriptArg(packedJobs), ...call.binaries],
      this.config.ackReplicas,
    );
    const count = this.config.ackReplicas.count;
    if (replicated < count) {
      const short = new UnreplicatedWrite(
        `the submit reached ${replicated} of ${count} replicas in time`,
      );
      return jobs.map(() => short);
    }
    return unpackScriptReply<string[]>(reply).map((outcome) =>
      outcome.startsWith('error') ? new Error(outcome) : undefined,
    );
  }
}

/** A job's add script, with its queue's fair-sharing keys when it adds to the prioritized set. */
export function blockArgs(call: GateCall, insert: JobInsert): InsertBlock {
  const fair = fairShareKeys(insert);
  return {
    kind: insert.kind,
    keys: insert.keys.map((key) => call.key(key)),
    ...(fair && {
      fair: {
        prioritized: call.key(fair.prioritized),
        counter: call.key(fair.counter),
        state: call.key(fair.state),
      },
    }),
  };
}
