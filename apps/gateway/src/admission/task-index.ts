import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '@agentq/queue';
import { ErrorCode, type PoolName } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import type { GateCall } from './gate-call.js';
import { longestRetentionSeconds } from './retention.js';

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
 * `<time>/<pool>/<id>` members (see below). Trimmed on every write to the longest retention
 * and to `taskIndexMax` entries, so it stays bounded; entries whose task is gone are skipped
 * on read.
 */
@Injectable()
export class TaskIndex {
  private readonly maxAgeMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.maxAgeMs = longestRetentionSeconds(config.retention) * 1000;
  }

  /** The gate's arguments for a tenant's new entries, with the trim that keeps it bounded. */
  args(call: GateCall, tenant: string, now: number): IndexArgs {
    return {
      key: call.key(gatewayKeys.tenantTasks(this.config.prefix, tenant)),
      tooOld: `(${timePart(now - this.maxAgeMs)}`,
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
    const max = cursor === undefined ? '+' : `(${decodeCursor(cursor)}`;
    const members = await this.redis.zrevrangebylex(key, max, '-', 'LIMIT', 0, count + 1);
    const page = members.slice(0, count);
    const last = page.at(-1);
    return {
      entries: page.map(parseMember),
      next: members.length > count && last !== undefined ? encodeCursor(last) : null,
    };
  }
}

/*
 * Members sort by time because every score is 0 and they start with the zero-padded submit
 * time; a member is unique, so it is an exact, exclusive cursor.
 */
const timePart = (ms: number) => String(Math.max(0, ms)).padStart(15, '0');
export const memberOf = (task: IndexedTask) =>
  `${timePart(task.submittedAt)}/${task.pool}/${task.taskId}`;

function parseMember(member: string): IndexedTask {
  const [time = '0', pool = '', taskId = ''] = member.split('/');
  return { pool, taskId, submittedAt: Number(time) };
}

function encodeCursor(member: string): string {
  return Buffer.from(member).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (/^\d{15}\/[a-z0-9-]+\/[A-Za-z0-9_-]+$/.test(member)) return member;
  throw new ApiError(ErrorCode.ValidationFailed, 'invalid cursor', [
    { path: 'query.cursor', message: 'pass back the nextCursor of a previous page' },
  ]);
}
