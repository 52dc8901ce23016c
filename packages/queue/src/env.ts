import { z } from 'zod';
import type { RedisNode, RedisTarget } from './connection.js';

/** Thrown by {@link parseEnv}; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses environment variables with a zod schema, collecting every problem at once, so a
 * misconfigured process stops at start with one message naming each variable.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.join('.') : '(config)';
    return `  ${variable}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** A comma-separated list, trimmed, without empty items. */
export function commaList<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item).min(1));
}

const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:$/.test(new URL(value).protocol), {
    message: 'must be a redis:// or rediss:// URL',
  });

/** What each variable of an env shape means, one line each: docs/configuration.md's source. */
export type EnvDocs<Shape> = { readonly [K in keyof Shape]: string };

/** `host:port`, as a sentinel or a cluster node is named. */
const redisNode = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, { message: 'host:port' })
  .transform((value): RedisNode => {
    const at = value.lastIndexOf(':');
    return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
  });

/** `announced=reachable` pairs of `host:port`, a cluster behind NAT. */
const natMap = commaList(
  z
    .string()
    .regex(/^[^\s:=]+:\d{1,5}=[^\s:=]+:\d{1,5}$/, { message: 'announced-host:port=host:port' }),
).transform((pairs): Record<string, RedisNode> =>
  Object.fromEntries(
    pairs.map((pair) => {
      const [announced = '', reachable = ''] = pair.split('=');
      return [announced, redisNode.parse(reachable)];
    }),
  ),
);

/** Variables every app reads: where Redis is, the key prefix, the log level. */
export const sharedEnvShape = {
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_SENTINELS: commaList(redisNode).optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: commaList(redisNode).optional(),
  REDIS_CLUSTER_NAT_MAP: natMap.optional(),
  AGENTQ_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_{}-]+$/, { message: 'letters, digits, _ - { } only' })
    .default('agentq'),
  AGENTQ_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
};

/** What each of sharedEnvShape's variables means (docs/configuration.md is generated from it). */
export const sharedEnvDocs = {
  REDIS_URL:
    'Redis; `rediss://` for TLS, `redis://user:password@host:port/db` for auth (with Sentinel: the credentials, db and TLS of the master; its host is not used)',
  REDIS_SENTINELS:
    'Sentinel: the sentinels, `host:port,host:port`; the apps ask them for the master, and follow a failover',
  REDIS_SENTINEL_MASTER:
    'Sentinel: the name the sentinels know the master by (with `REDIS_SENTINELS`)',
  REDIS_SENTINEL_USERNAME: "Sentinel: the sentinels' own ACL user, if they require one",
  REDIS_SENTINEL_PASSWORD: "Sentinel: the sentinels' own password, if they require one",
  REDIS_CLUSTER_NODES:
    'Cluster: seed nodes, `host:port,host:port` (any reachable ones; the rest are learnt from them); `REDIS_URL` then gives only credentials and TLS',
  REDIS_CLUSTER_NAT_MAP:
    'Cluster behind NAT: `announced-host:port=host:port,…`, each address the cluster announces mapped to where this process reaches it',
  AGENTQ_PREFIX:
    'prefix of every Redis key; on a Cluster a hash tag such as `{agentq}`: the system keys share its slot, and each pool has a slot of its own (`{agentq:default}`), so that pools spread over the shards',
  AGENTQ_LOG_LEVEL: 'pino level: fatal … trace, silent',
} satisfies EnvDocs<typeof sharedEnvShape>;

type SharedEnv = z.output<z.ZodObject<typeof sharedEnvShape>>;

/**
 * The Redis the shared variables name; a Sentinel set needs both its sentinels and its
 * master's name, and a problem is reported on the variable (call from a config's transform).
 */
export function redisTargetFromEnv(env: SharedEnv, ctx: z.RefinementCtx): RedisTarget {
  if (env.REDIS_CLUSTER_NODES !== undefined)
    return clusterTarget(env, env.REDIS_CLUSTER_NODES, ctx);
  if (env.REDIS_CLUSTER_NAT_MAP !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NAT_MAP'],
      message: 'applies to a Cluster only: set REDIS_CLUSTER_NODES too',
    });
  }
  const sentinels = env.REDIS_SENTINELS;
  const masterName = env.REDIS_SENTINEL_MASTER;
  if (sentinels === undefined && masterName === undefined) {
    return { kind: 'single', url: env.REDIS_URL };
  }
  if (sentinels === undefined || masterName === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [sentinels === undefined ? 'REDIS_SENTINELS' : 'REDIS_SENTINEL_MASTER'],
      message: 'Sentinel needs both REDIS_SENTINELS and REDIS_SENTINEL_MASTER',
    });
    return { kind: 'single', url: env.REDIS_URL };
  }
  return {
    kind: 'sentinel',
    url: env.REDIS_URL,
    sentinels,
    masterName,
    sentinelUsername: env.REDIS_SENTINEL_USERNAME,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
  };
}

/**
 * A Cluster's target. Its keys must share one slot (a hash-tag prefix: every script finds its
 * keys together), and a Cluster has no databases but 0.
 */
function clusterTarget(env: SharedEnv, nodes: RedisNode[], ctx: z.RefinementCtx): RedisTarget {
  if (env.REDIS_SENTINELS !== undefined || env.REDIS_SENTINEL_MASTER !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message: 'set either a Cluster (REDIS_CLUSTER_NODES) or Sentinel (REDIS_SENTINELS), not both',
    });
  }
  if (!/^[^{]*\{[^}]+\}/.test(env.AGENTQ_PREFIX)) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENTQ_PREFIX'],
      message: `on a Cluster the prefix must start with a hash tag, e.g. {${env.AGENTQ_PREFIX.replace(/[{}]/g, '')}}, so that every script's keys share a slot`,
    });
  }
  if (new URL(env.REDIS_URL).pathname.length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_URL'],
      message: 'a Cluster has only database 0: leave the path out of the URL',
    });
  }
  return { kind: 'cluster', url: env.REDIS_URL, nodes, natMap: env.REDIS_CLUSTER_NAT_MAP };
}

/**
 * Loads an app's configuration at start; on bad config prints the message naming each
 * variable and exits 1 (the process never starts half-configured).
 */
export function loadConfigOrExit<C>(
  app: string,
  load: (env: Record<string, string | undefined>) => C,
  env: Record<string, string | undefined>,
): C {
  try {
    return load(env);
  } catch (error) {
    return exitOnConfigError(app, error);
  }
}

/** Stops the process with the message of a bad setting found after the config was read. */
export function exitOnConfigError(app: string, error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${app}: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
