import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A running task whose worker had no connection when it was found, with its lock as then. */
export interface OrphanedTask {
  taskId: string;
  /** The `processedBy` of the task: the worker that holds its lock. */
  owner: string;
  /** The lock's token. */
  token: string;
  /** When the lock expires (Redis time, ms): a renewal moves it. */
  expiresAt: number;
}

type QueueKeys = Pick<Queue, 'toKey'>;

/**
 * Lua: the active jobs (KEYS[1]) whose `processedBy` is none of ARGV[2..] and whose lock is
 * set, as flat `id, owner, token, expiresAt` quads. ARGV[1]: the queue's job key prefix.
 * Reads one hash field per active job.
 */
const FIND_ORPHANED = `
local live = {}
for i = 2, #ARGV do live[ARGV[i]] = true end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local found = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local job = ARGV[1] .. id
  local owner = redis.call('HGET', job, 'pb')
  if owner and not live[owner] then
    local token = redis.call('GET', job .. ':lock')
    local ttl = redis.call('PTTL', job .. ':lock')
    if token and ttl > 0 then
      table.insert(found, id)
      table.insert(found, owner)
      table.insert(found, token)
      table.insert(found, tostring(now + ttl))
    end
  end
end
return found
`;

/**
 * The running tasks of the queue whose worker is not one of `connected` (names as in
 * `processedBy`), with their locks. Tasks with no `processedBy` (unnamed workers) are never
 * returned. One script: with N active tasks it reads N hash fields.
 */
export async function findOrphanedTasks(
  redis: Redis,
  queue: QueueKeys,
  connected: ReadonlySet<string>,
): Promise<OrphanedTask[]> {
  const flat = (await redis.eval(
    FIND_ORPHANED,
    1,
    queue.toKey('active'),
    queue.toKey(''),
    ...connected,
  )) as string[];
  const tasks: OrphanedTask[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    const [taskId, owner, token, expiresAt] = flat.slice(i, i + 4) as [
      string,
      string,
      string,
      string,
    ];
    tasks.push({ taskId, owner, token, expiresAt: Number(expiresAt) });
  }
  return tasks;
}

/**
 * How far a lock's expiry may seem to move without a renewal (the two reads take Redis's
 * clock at different moments of their scripts). A renewal moves it by at least a quarter of
 * the lock duration (BullMQ renews no sooner), never less than 250 ms.
 */
const EXPIRY_SLACK_MS = 50;

/**
 * Lua: for each `id, owner, token, expiresAt` quad in ARGV[3..] whose job (key prefix
 * ARGV[1]) is still `processedBy` owner, with the same lock token and an expiry moved by no
 * more than ARGV[2] ms (not renewed): deletes the lock and adds the job to the stalled set
 * (KEYS[1]), which BullMQ's stalled-job check then moves exactly as it moves a job whose
 * lock expired. Clears the check's throttle (KEYS[2]) so that the next check runs at once.
 * Answers the ids released.
 */
const RELEASE_ORPHANED = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local slack = tonumber(ARGV[2])
local released = {}
for i = 3, #ARGV, 4 do
  local id, owner, token, expiresAt = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local job = ARGV[1] .. id
  local lock = job .. ':lock'
  if redis.call('GET', lock) == token and redis.call('HGET', job, 'pb') == owner then
    local ttl = redis.call('PTTL', lock)
    if ttl > 0 and math.abs(now + ttl - expiresAt) <= slack then
      redis.call('DEL', lock)
      redis.call('SADD', KEYS[1], id)
      table.insert(released, id)
    end
  end
end
if #released > 0 then redis.call('DEL', KEYS[2]) end
return released
`;

/**
 * Releases tasks found by {@link findOrphanedTasks} whose lock nobody touched since (same
 * owner, same token, not renewed), in one script: they become stalled for BullMQ, and the
 * next stalled-job check (its throttle cleared) moves them back to wait, counting the stall,
 * emitting `stalled`, failing a task stalled too often. Answers the ids released.
 */
export async function releaseOrphanedTasks(
  redis: Redis,
  queue: QueueKeys,
  tasks: readonly OrphanedTask[],
): Promise<string[]> {
  if (tasks.length === 0) return [];
  const quads = tasks.flatMap(({ taskId, owner, token, expiresAt }) => [
    taskId,
    owner,
    token,
    String(expiresAt),
  ]);
  return (await redis.eval(
    RELEASE_ORPHANED,
    2,
    queue.toKey('stalled'),
    queue.toKey('stalled-check'),
    queue.toKey(''),
    EXPIRY_SLACK_MS,
    ...quads,
  )) as string[];
}
