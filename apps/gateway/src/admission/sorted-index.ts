import type { RedisClient, RetentionPolicy } from '@agentq/queue';
import { ErrorCode } from '@agentq/contracts';
import { ApiError } from '../http/api-error.js';
import { longestRetentionSeconds } from './retention.js';

/*
 * A tenant's index (of tasks, of workflows): a sorted set whose members all score 0 and start
 * with the zero-padded time they were made, so they sort by time; a member is unique, so it
 * is an exact, exclusive cursor. The gate adds and trims (`lua/includes/index-tasks.lua`).
 */

/** The time part of a member, and of the lex bound of a trim. */
export const indexTime = (ms: number) => String(Math.max(0, ms)).padStart(15, '0');

/**
 * The exclusive lex bound of the members too old to keep at `now`: those made before the
 * longest retention, the time the gateway keeps its records of a task.
 */
export function tooOldAt(retention: RetentionPolicy, now: number): string {
  return `(${indexTime(now - longestRetentionSeconds(retention) * 1000)}`;
}

/** A member as a client carries it: the cursor of the page after it. */
export function encodeCursor(member: string): string {
  return Buffer.from(member).toString('base64url');
}

/**
 * Up to `count` members older than the cursor, newest first, and whether more follow. A
 * cursor that does not decode to a member of this index's shape answers 400.
 */
export async function readIndex(
  redis: RedisClient,
  key: string,
  cursor: string | undefined,
  count: number,
  shape: RegExp,
): Promise<{ members: string[]; more: boolean }> {
  const max = cursor === undefined ? '+' : `(${decodeCursor(cursor, shape)}`;
  const members = await redis.zrevrangebylex(key, max, '-', 'LIMIT', 0, count + 1);
  return { members: members.slice(0, count), more: members.length > count };
}

function decodeCursor(cursor: string, shape: RegExp): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (shape.test(member)) return member;
  throw new ApiError(ErrorCode.ValidationFailed, 'invalid cursor', [
    { path: 'query.cursor', message: 'pass back the nextCursor of a previous page' },
  ]);
}
