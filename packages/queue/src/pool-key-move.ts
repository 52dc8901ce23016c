import { queueName, type PoolName } from '@agentq/contracts';
import type { RedisClient } from './connection.js';
import { escapeGlob, poolKeyPrefix, scanKeys } from './key-space.js';

/** What moving one pool's keys did. */
export interface PoolKeyMove {
  pool: PoolName;
  /** Keys moved to the pool's own prefix. */
  keys: number;
  /** Members of the tenants' unfinished-task sets renamed with them. */
  members: number;
}

/**
 * Moves each pool's BullMQ keys from the layout where every key shared the prefix's slot
 * (`{agentq}:agentq-default:…`) to the pool's own prefix (`{agentq:default}:agentq-default:…`,
 * see `poolKeyPrefix`), and renames the job keys the gateway's tenant caps hold. A prefix
 * without a hash tag has nothing to move. Keys are copied with DUMP/RESTORE (their expiry
 * kept; across slots on a Cluster) and then deleted, so a move that stops half way is
 * finished by running it again. Every gateway and worker must be stopped meanwhile: a job
 * written under the old names after its queue moved would be left behind.
 */
export async function movePoolKeys(
  redis: RedisClient,
  prefix: string,
  pools: readonly PoolName[],
): Promise<PoolKeyMove[]> {
  const moves: PoolKeyMove[] = [];
  for (const pool of pools) {
    const to = poolKeyPrefix(prefix, pool);
    if (to === prefix) {
      moves.push({ pool, keys: 0, members: 0 });
      continue;
    }
    const oldBase = `${prefix}:${queueName(pool)}:`;
    const newBase = `${to}:${queueName(pool)}:`;
    let keys = 0;
    for (const key of await scanKeys(redis, `${escapeGlob(oldBase)}*`)) {
      await moveKey(redis, key, newBase + key.slice(oldBase.length));
      keys += 1;
    }
    const members = await renameCapMembers(redis, prefix, oldBase, newBase);
    moves.push({ pool, keys, members });
  }
  return moves;
}

async function moveKey(redis: RedisClient, from: string, to: string): Promise<void> {
  const [dump, ttl] = await Promise.all([redis.dumpBuffer(from), redis.pttl(from)]);
  if (dump === null) return;
  await redis.restore(to, Math.max(0, ttl), dump, 'REPLACE');
  await redis.del(from);
}

/** The tenants' unfinished-task sets (apps/gateway gateway-keys.ts) hold full job keys. */
async function renameCapMembers(
  redis: RedisClient,
  prefix: string,
  oldBase: string,
  newBase: string,
): Promise<number> {
  let renamed = 0;
  for (const set of await scanKeys(redis, `${escapeGlob(`${prefix}:gw:tenant:`)}*:unfinished`)) {
    const flat = await redis.zrange(set, '0', '-1', 'WITHSCORES');
    // One transaction per set (its keys share a slot): its members renamed together.
    const multi = redis.multi();
    let inSet = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i] ?? '';
      if (!member.startsWith(oldBase)) continue;
      multi.zadd(set, flat[i + 1] ?? '0', newBase + member.slice(oldBase.length)).zrem(set, member);
      inSet += 1;
    }
    if (inSet > 0) await multi.exec();
    renamed += inSet;
  }
  return renamed;
}
