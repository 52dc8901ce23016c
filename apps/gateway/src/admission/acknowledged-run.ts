import type { LuaScript, RedisClient, ScriptArg } from '@agentq/queue';

/** How many replicas must have a submit's writes, and how long to wait for them. */
export interface AckReplicas {
  count: number;
  timeoutMs: number;
}

/** A script's reply, and how many replicas had its writes in time (all asked for when none). */
export interface AcknowledgedReply {
  reply: unknown;
  replicated: number;
}

/**
 * Runs a script (bulk strings as Buffers) and, when replicas must acknowledge it, `WAIT` right
 * behind it in one round trip on the same connection (on a Cluster, the node the script's
 * keys took it to): `WAIT` covers every write that connection made so far, the script's
 * included, and returns at once when there were none.
 */
export async function runAcknowledged(
  script: LuaScript,
  redis: RedisClient,
  keys: readonly string[],
  args: readonly ScriptArg[],
  { count, timeoutMs }: AckReplicas,
): Promise<AcknowledgedReply> {
  if (count === 0) {
    return { reply: await script.runBuffer(redis, keys, args), replicated: 0 };
  }
  script.defineOn(redis);
  const pipeline = redis.pipeline();
  script.queue(pipeline, keys, args, 'buffer');
  pipeline.wait(count, timeoutMs);
  const [[scriptError, reply] = [], [waitError, acked] = []] = (await pipeline.exec()) ?? [];
  if (scriptError) throw scriptError;
  // Without WAIT's answer, whether the replicas have the writes is unknown: as short.
  return { reply, replicated: waitError ? 0 : (acked as number) };
}
