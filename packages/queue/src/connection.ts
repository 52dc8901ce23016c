import type { ClusterOptions, RedisOptions } from 'ioredis';
import { Cluster, Redis } from 'ioredis';

/** A connection to any topology: one node (or a Sentinel set's master), or a Cluster. */
export type RedisClient = Redis | Cluster;

/**
 * How a connection is used:
 * - `worker`: BullMQ workers and event listeners; commands wait through outages
 *   (`maxRetriesPerRequest: null`, which BullMQ requires for blocking calls).
 * - `client`: request paths (the gateway); commands fail fast while Redis is away, so a
 *   caller gets a 503 instead of hanging. A command already sent when the connection drops
 *   gets no answer (ioredis would hold it until Redis is back, then send it again, long after
 *   the request was answered): it fails after `CLIENT_COMMAND_TIMEOUT_MS` instead. Not
 *   auto-pipelined: ioredis builds a Pipeline per event-loop turn and copies every script
 *   defined on the connection (BullMQ's dozens) onto it, which cost more CPU than the socket
 *   writes it saves (measured: bare `queue.add` over HTTP 9k/s auto-pipelined, 15k/s not).
 *   Never use it for blocking commands or for a BullMQ Worker.
 */
export type ConnectionRole = 'worker' | 'client';

/** The longest a request-path command waits for Redis's answer. */
export const CLIENT_COMMAND_TIMEOUT_MS = 2000;

/** The longest wait between two reconnect tries. */
export const MAX_RECONNECT_DELAY_MS = 2000;

/** Reconnect forever, backing off to at most {@link MAX_RECONNECT_DELAY_MS} between tries. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 10), MAX_RECONNECT_DELAY_MS);
}

/** host:port of a sentinel or a cluster node. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: one node at a URL, the master a set of Sentinels names (ioredis asks
 * them for it, and again after a failover), or a Cluster found from seed nodes. The URL's
 * credentials and TLS apply to the nodes either way (its db too, except on a Cluster).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      url: string;
      /** Seed nodes: any reachable ones; the rest are learnt from them. */
      nodes: readonly RedisNode[];
      /**
       * Addresses the cluster announces (`host:port`, as in CLUSTER SLOTS) mapped to those
       * this process reaches them at, for a cluster behind NAT or port forwarding.
       */
      natMap?: Readonly<Record<string, RedisNode>>;
    }
  | {
      kind: 'sentinel';
      url: string;
      sentinels: readonly RedisNode[];
      masterName: string;
      /** The sentinels' own credentials, when they require some. */
      sentinelUsername?: string;
      sentinelPassword?: string;
    };

/** ioredis options for a redis:// or rediss:// URL (credentials and db taken from the URL). */
export function redisOptions(url: string, role: ConnectionRole): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: parsed.protocol === 'rediss:' ? { servername: parsed.hostname } : undefined,
    retryStrategy: reconnectDelayMs,
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2000,
          commandTimeout: CLIENT_COMMAND_TIMEOUT_MS,
          autoResendUnfulfilledCommands: false,
        }),
  };
}

/** ioredis options for a target: a single node's, or a Sentinel set's master. */
export function targetOptions(
  target: Exclude<RedisTarget, { kind: 'cluster' }>,
  role: ConnectionRole,
): RedisOptions {
  const options = redisOptions(target.url, role);
  if (target.kind === 'single') return options;
  return {
    ...options,
    // The sentinels name the node.
    host: undefined,
    port: undefined,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    role: 'master',
    sentinelUsername: target.sentinelUsername,
    sentinelPassword: target.sentinelPassword,
    enableTLSForSentinelMode: options.tls !== undefined,
    // Asked again after every lost connection, so a failover is followed by reconnecting.
    sentinelRetryStrategy: reconnectDelayMs,
  };
}

/**
 * ioredis Cluster options: each node's connection as {@link redisOptions} makes it (role and
 * credentials alike), slots refreshed after every redirect or lost node, and writes and reads
 * on masters only (a replica may lag behind what was acknowledged).
 */
export function clusterOptions(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  role: ConnectionRole,
  name: string,
): ClusterOptions {
  const node = redisOptions(target.url, role);
  // ioredis lays these over each node's own address: the nodes come from the seeds and the
  // cluster's map, a Cluster has only db 0, and a node the map dropped is not retried.
  delete node.host;
  delete node.port;
  delete node.db;
  delete node.retryStrategy;
  return {
    redisOptions: { ...node, connectionName: name },
    natMap: target.natMap ? { ...target.natMap } : undefined,
    scaleReads: 'master',
    clusterRetryStrategy: reconnectDelayMs,
    // A client connection fails fast while its node is away, as on one node.
    enableOfflineQueue: role === 'worker',
    // TLS certificates name hosts: keep the names the cluster announces.
    dnsLookup: (address, lookup) => lookup(null, address),
  };
}

/**
 * A new ioredis client for the target (a URL: one node); the caller closes it with `quit()`.
 * Typed by the target: a Cluster for a cluster, else one node's client.
 */
export function createRedis(
  target: Exclude<RedisTarget, { kind: 'cluster' }> | string,
  role: ConnectionRole,
  name: string,
): Redis;
export function createRedis(
  target: RedisTarget | string,
  role: ConnectionRole,
  name: string,
): RedisClient;
export function createRedis(
  target: RedisTarget | string,
  role: ConnectionRole,
  name: string,
): RedisClient {
  const resolved: RedisTarget =
    typeof target === 'string' ? { kind: 'single', url: target } : target;
  if (resolved.kind === 'cluster') {
    return new Cluster(
      resolved.nodes.map(({ host, port }) => ({ host, port })),
      clusterOptions(resolved, role, name),
    );
  }
  return new Redis({ ...targetOptions(resolved, role), connectionName: name });
}

/** Quits politely; if Redis does not answer, drops the connection so nothing stays open. */
export async function closeRedis(redis: RedisClient): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}

/** Waits until the client is ready; false if it is not within the time given. */
export function waitUntilReady(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/**
 * Calls `report` with whether the connection is ready now, and again each time it becomes
 * ready or drops (a readiness metric; the connection's reconnects are its own).
 */
export function onReadiness(redis: RedisClient, report: (ready: boolean) => void): void {
  report(redis.status === 'ready');
  redis.on('ready', () => report(true));
  redis.on('close', () => report(false));
}
