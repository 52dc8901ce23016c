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

/** `host:port`, as a sentinel is named. */
const redisNode = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, { message: 'host:port' })
  .transform((value): RedisNode => {
    const at = value.lastIndexOf(':');
    return { host: value.slice(0, at), port: Number(value.slice(at + 1)) };
  });

/** Variables every app reads: where Redis is, the key prefix, the log level. */
export const sharedEnvShape = {
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_SENTINELS: commaList(redisNode).optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
  REDIS_SENTINEL_USERNAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
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
  AGENTQ_PREFIX: 'prefix of every Redis key (`{agentq}` on Redis Cluster)',
  AGENTQ_LOG_LEVEL: 'pino level: fatal … trace, silent',
} satisfies EnvDocs<typeof sharedEnvShape>;

type SharedEnv = z.output<z.ZodObject<typeof sharedEnvShape>>;

/**
 * The Redis the shared variables name; a Sentinel set needs both its sentinels and its
 * master's name, and a problem is reported on the variable (call from a config's transform).
 */
export function redisTargetFromEnv(env: SharedEnv, ctx: z.RefinementCtx): RedisTarget {
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
