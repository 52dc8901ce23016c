import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ErrorCode, type PoolName } from '@agentq/contracts';
import type { GatewayConfig } from '../config.js';
import { gatewayKeys } from '../gateway-keys.js';
import { ApiError } from '../http/api-error.js';
import { GATEWAY_CONFIG, REDIS } from '../tokens.js';
import { longestRetentionSeconds } from './retention.js';

/**
 * Adds members (all scored 0) and trims in one call: ARGV[1] is the exclusive lex bound of
 * entries too old to keep, ARGV[2] how many to keep, the rest the members.
 */
const ADD_AND_TRIM = `
for i = 3, #ARGV do redis.call('ZADD', KEYS[1], 0, ARGV[i]) end
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[2]) - 1)
return 0`;

/** The client with the index's script defined on it. */
type IndexClient = Redis & {
  agentqIndexTasks(key: string, tooOld: string, keep: number, ...members: string[]): Promise<0>;
};

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
  private readonly client: IndexClient;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.maxAgeMs = longestRetentionSeconds(config.retention) * 1000;
    redis.defineCommand('agentqIndexTasks', { numberOfKeys: 1, lua: ADD_AND_TRIM });
    this.client = redis as IndexClient;
  }

  /** One script call per submit: it joins the enqueue's write on the auto-pipelined client. */
  async add(tenant: string, tasks: readonly IndexedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.client.agentqIndexTasks(
      gatewayKeys.tenantTasks(this.config.prefix, tenant),
      `(${timePart(Date.now() - this.maxAgeMs)}`,
      this.config.taskIndexMax,
      ...tasks.map(memberOf),
    );
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
const memberOf = (task: IndexedTask) => `${timePart(task.submittedAt)}/${task.pool}/${task.taskId}`;

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
