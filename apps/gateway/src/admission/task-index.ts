import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import type { PoolName } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import type { GateCall } from './gate-call.js';
import { encodeCursor, indexTime, readIndex, tooOldAt } from './sorted-index.js';

/** The gate's index step (`lua/includes/index-tasks.lua`): the index, and how it is trimmed. */
export interface IndexArgs {
  key: number;
  /** The exclusive lex bound of entries too old to keep. */
  tooOld: string;
  keep: number;
}

export interface IndexedTask {
  pool: PoolName;
  taskId: string;
  submittedAt: number;
}

/**
 * Each tenant's tasks, newest first, for `GET /v1/tasks`: a sorted set of
 * `<time>/<pool>/<id>` members (`sorted-index.ts`). Trimmed on every write to the longest retention
 * and to `taskIndexMax` entries, so it stays bounded; entries whose task is gone are skipped
 * on read.
 */
@Injectable()
export class TaskIndex {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The gate's arguments for a tenant's new entries, with the trim that keeps it bounded. */
  args(call: GateCall, tenant: string, now: number): IndexArgs {
    return {
      key: call.key(gatewayKeys.tenantTasks(this.config.prefix, tenant)),
      tooOld: tooOldAt(this.config.retention, now),
      keep: this.config.taskIndexMax,
    };
  }

  /**
   * Up to `count` entries older than the cursor, newest first, and the cursor after the last
   * one (null when there are no more).
   */
  async page(
    tenant: string,
    cursor: string | undefined,
    count: number,
  ): Promise<{ entries: IndexedTask[]; next: string | null }> {
    const key = gatewayKeys.tenantTasks(this.config.prefix, tenant);
    const { members, more } = await readIndex(this.redis, key, cursor, count, MEMBER);
    const last = members.at(-1);
    return {
      entries: members.map(parseMember),
      next: more && last !== undefined ? encodeCursor(last) : null,
    };
  }
}

/** `<submit time>/<pool>/<task id>` (see `sorted-index.ts`). */
const MEMBER = /^\d{15}\/[a-z0-9-]+\/[A-Za-z0-9_-]+$/;

export const memberOf = (task: IndexedTask) =>
  `${indexTime(task.submittedAt)}/${task.pool}/${task.taskId}`;

function parseMember(member: string): IndexedTask {
  const [time = '0', pool = '', taskId = ''] = member.split('/');
  return { pool, taskId, submittedAt: Number(time) };
}
