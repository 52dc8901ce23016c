import { Cluster } from 'ioredis';
import type { Queue } from 'bullmq';
import type { PoolName } from '@agentq/contracts';
import type { RedisClient } from './connection.js';

/** What a worker's BullMQ name tells the others (`queue.getWorkers()`, `processedBy`). */
export interface WorkerIdentity {
  /** The host, or the name the worker was given (AGENTQ_WORKER_NAME, e.g. its pod). */
  identity: string;
  pid: number;
  /** Task slots per pool it serves. */
  slots: ReadonlyMap<PoolName, number>;
}

/**
 * `<identity>:<pid>:<pool>+<pool>:c<slots>+<slots>`, e.g. `web-7f9c:41:default+large:c10+2`.
 * The identity may itself hold colons (a local scaler's names do): the last three fields are
 * read from the right.
 */
export function formatWorkerName({ identity, pid, slots }: WorkerIdentity): string {
  const pools = [...slots.keys()].join('+');
  const counts = [...slots.values()].join('+');
  return `${identity}:${pid}:${pools}:c${counts}`;
}

/** The parts of a name made by {@link formatWorkerName}; undefined for any other name. */
export function parseWorkerName(name: string): WorkerIdentity | undefined {
  const fields = name.split(':');
  if (fields.length < 4) return undefined;
  const [pidField, poolsField, countsField] = fields.slice(-3) as [string, string, string];
  const identity = fields.slice(0, -3).join(':');
  const pools = poolsField.split('+');
  const counts = countsField.startsWith('c') ? countsField.slice(1).split('+').map(Number) : [];
  const pid = Number(pidField);
  const valid =
    identity !== '' &&
    Number.isSafeInteger(pid) &&
    pools.length === counts.length &&
    counts.every((count) => Number.isSafeInteger(count) && count > 0);
  if (!valid) return undefined;
  return { identity, pid, slots: new Map(pools.map((pool, i) => [pool, counts[i] ?? 0])) };
}

/**
 * The names of the workers connected to the queue (`queue.getWorkers()`), undefined for a
 * worker without one.
 */
export async function readWorkerNames(queue: Queue): Promise<(string | undefined)[]> {
  const prefix = queue.opts.prefix ?? 'bull';
  const clients = await queue.getWorkers();
  return clients.map(({ rawname }) =>
    typeof rawname === 'string' ? bullmqWorkerName(rawname, prefix) : undefined,
  );
}

/** The worker name in a BullMQ worker connection's name under `prefix`; else undefined. */
function bullmqWorkerName(connectionName: string, prefix: string): string | undefined {
  // BullMQ names a worker's connection `<prefix>:<queue name in base64>:w:<worker name>`;
  // base64 has no colon, so the first one after the prefix starts `:w:`.
  const head = `${prefix}:`;
  if (!connectionName.startsWith(head)) return undefined;
  const rest = connectionName.slice(head.length);
  const marker = rest.indexOf(':');
  return rest.startsWith(':w:', marker) ? rest.slice(marker + 3) : undefined;
}

const WORKER_CONNECTION = 'agentq-worker:';

/**
 * The name of a worker process's main connection (the one that renews its tasks' locks),
 * `agentq-worker:<worker name>`: it stays connected as long as the process runs, through its
 * drain, while BullMQ's own `:w:` connection closes as soon as a drain begins.
 */
export function workerConnectionName(workerName: string): string {
  return `${WORKER_CONNECTION}${workerName}`;
}

/**
 * The worker names that have a connection to Redis, read from a `CLIENT LIST` reply: each
 * process's main connection ({@link workerConnectionName}) and BullMQ's worker connections
 * under `prefix` (which a worker without such a main connection has alone).
 */
export function connectedWorkerNames(clientList: string, prefix: string): Set<string> {
  const names = new Set<string>();
  for (const line of clientList.split('\n')) {
    const connectionName = / name=(\S+)/.exec(line)?.[1];
    if (connectionName === undefined) continue;
    const name = connectionName.startsWith(WORKER_CONNECTION)
      ? connectionName.slice(WORKER_CONNECTION.length)
      : bullmqWorkerName(connectionName, prefix);
    if (name !== undefined) names.add(name);
  }
  return names;
}

/**
 * Task slots a worker gives one pool, as its name tells; undefined when it tells none (not
 * an agentq worker, or unnamed).
 */
export function slotsTold(name: string | undefined, pool: PoolName): number | undefined {
  const worker = name === undefined ? undefined : parseWorkerName(name);
  return worker && (worker.slots.get(pool) ?? 0);
}

/** Task slots the workers give one pool; a worker whose name tells none counts `fallback`. */
export function slotsOf(
  names: readonly (string | undefined)[],
  pool: PoolName,
  fallback: number,
): number {
  return names.reduce<number>((sum, name) => sum + (slotsTold(name, pool) ?? fallback), 0);
}

/**
 * `CLIENT LIST` of the node the connection uses; on a Cluster, of every master joined (a
 * worker's connections are on the nodes that serve its pool's keys).
 */
export async function readClientList(redis: RedisClient): Promise<string> {
  if (!(redis instanceof Cluster)) return (await redis.client('LIST')) as string;
  const lists = await Promise.all(
    redis.nodes('master').map(async (node) => (await node.client('LIST')) as string),
  );
  return lists.join('\n');
}
