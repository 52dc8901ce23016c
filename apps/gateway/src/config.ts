import { z } from 'zod';
import { PoolNameSchema, type PriorityLevel } from '@agentq/contracts';
import {
  agentDeploymentFromEnv,
  agentModulesEnvShape,
  llmDeploymentEnvShape,
} from '@agentq/agents';
import {
  DEFAULT_RETENTION,
  apiKeysEnvShape,
  commaList,
  parseEnv,
  sharedEnvShape,
  tenantPoliciesFromEnv,
  tenantsEnvShape,
  type RateLimit,
} from '@agentq/queue';

const seconds = z.coerce.number().int().min(0);
const count = z.coerce.number().int().min(0);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const perMinute = z.coerce.number().int().min(1);

/** Origins allowed to call from a browser: `*` or a list of exact origins. */
const corsOrigins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(
    z.array(
      z.union([
        z.literal('*'),
        z.url().refine((url) => new URL(url).origin === url, 'an origin: scheme://host[:port]'),
      ]),
    ),
  );

export const configSchema = z
  .object({
    ...sharedEnvShape,
    ...tenantsEnvShape,
    ...agentModulesEnvShape,
    ...llmDeploymentEnvShape,
    /** Port to listen on (0 picks a free one). */
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Address to listen on. */
    AGENTQ_GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
    /** Pools that accept tasks; a task naming another pool is rejected. */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Largest request body accepted, in bytes. */
    AGENTQ_GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    /** Deepest nesting of arrays and objects in a JSON body (400 beyond). */
    AGENTQ_GATEWAY_BODY_MAX_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
    /** Largest task input accepted, in bytes as JSON (each task of a batch on its own). */
    AGENTQ_GATEWAY_INPUT_LIMIT_BYTES: z.coerce.number().int().min(1024).default(262_144),
    /** Completed tasks are kept this long (seconds) ... */
    AGENTQ_RETENTION_COMPLETED_AGE_S: seconds.default(DEFAULT_RETENTION.completedAgeSeconds),
    /** ... and at most this many per pool. */
    AGENTQ_RETENTION_COMPLETED_COUNT: seconds.default(DEFAULT_RETENTION.completedCount),
    /** Failed tasks are kept this long (seconds) ... */
    AGENTQ_RETENTION_FAILED_AGE_S: seconds.default(DEFAULT_RETENTION.failedAgeSeconds),
    /** ... and at most this many per pool. */
    AGENTQ_RETENTION_FAILED_COUNT: seconds.default(DEFAULT_RETENTION.failedCount),
    /** Most critical tasks waiting per pool before submits get 429 (0 = no limit). */
    AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL: count.default(50),
    /** Most high-priority tasks waiting per pool (0 = no limit). */
    AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: count.default(100),
    /** Most normal-priority tasks waiting per pool (0 = no limit). */
    AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: count.default(500),
    /** Most low-priority tasks waiting per pool (0 = no limit). */
    AGENTQ_GATEWAY_MAX_BACKLOG_LOW: count.default(1000),
    /** Retry-After (seconds) sent with a 429 for a full backlog. */
    AGENTQ_GATEWAY_RETRY_AFTER_S: z.coerce.number().int().min(1).default(5),
    /** Tasks listed per tenant by GET /v1/tasks; older entries are trimmed. */
    AGENTQ_GATEWAY_TASK_INDEX_MAX: z.coerce.number().int().min(1).default(100_000),
    /** Interval of keep-alive comments on event streams (ms). */
    AGENTQ_GATEWAY_SSE_KEEPALIVE_MS: z.coerce.number().int().min(100).default(15_000),
    /** Most bytes an event stream may hold that its client has not read (then it is closed). */
    AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    /** How long an event stream may stay unread before it is closed. */
    AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    /** `on`: every non-public route needs an API key. `off` (local development only): no keys, everything acts as tenant `default`. */
    AGENTQ_AUTH: z.enum(['on', 'off']).default('on'),
    ...apiKeysEnvShape,
    /** Requests per minute per key (token bucket refill) unless the key sets its own. */
    AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN: perMinute.default(1000),
    /** Requests a key may make at once (token bucket size). */
    AGENTQ_GATEWAY_RATE_LIMIT_BURST: perMinute.default(100),
    /** Tasks submitted per minute per key (a batch counts each task). */
    AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN: perMinute.default(10_000),
    /** Tasks a key may submit at once; also the largest batch it can send. */
    AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: perMinute.default(1000),
    /** Most unfinished (waiting, delayed or active) tasks per tenant (0 = no limit). */
    AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: count.default(10_000),
    /** Browser origins allowed by CORS, comma-separated, or `*`; empty: CORS off. */
    AGENTQ_CORS_ORIGINS: corsOrigins.default([]),
    /** Serve Bull Board at /admin/queues (needs a key with the `admin` scope). */
    AGENTQ_GATEWAY_ADMIN_UI: flag.default(false),
    /** Bull Board shows queues but offers no retry/remove/clean buttons. */
    AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: flag.default(true),
  })
  .superRefine((env, ctx) => {
    const keys = env.AGENTQ_API_KEYS.length + (env.AGENTQ_API_KEYS_FILE?.length ?? 0);
    if (env.AGENTQ_AUTH === 'on' && keys === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_API_KEYS'],
        message:
          'no API keys: set AGENTQ_API_KEYS or AGENTQ_API_KEYS_FILE (create one with `pnpm --filter @agentq/gateway keys:create`), or AGENTQ_AUTH=off for local development',
      });
    }
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    agentModules: env.AGENTQ_AGENT_MODULES,
    agentDeployment: agentDeploymentFromEnv(env, tenantPoliciesFromEnv(env)),
    prefix: env.AGENTQ_PREFIX,
    tenants: tenantPoliciesFromEnv(env),
    logLevel: env.AGENTQ_LOG_LEVEL,
    port: env.PORT,
    host: env.AGENTQ_GATEWAY_HOST,
    pools: env.AGENTQ_POOLS,
    bodyLimitBytes: env.AGENTQ_GATEWAY_BODY_LIMIT_BYTES,
    bodyMaxDepth: env.AGENTQ_GATEWAY_BODY_MAX_DEPTH,
    inputLimitBytes: env.AGENTQ_GATEWAY_INPUT_LIMIT_BYTES,
    retention: {
      completedAgeSeconds: env.AGENTQ_RETENTION_COMPLETED_AGE_S,
      completedCount: env.AGENTQ_RETENTION_COMPLETED_COUNT,
      failedAgeSeconds: env.AGENTQ_RETENTION_FAILED_AGE_S,
      failedCount: env.AGENTQ_RETENTION_FAILED_COUNT,
    },
    maxBacklog: {
      critical: env.AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL,
      high: env.AGENTQ_GATEWAY_MAX_BACKLOG_HIGH,
      normal: env.AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL,
      low: env.AGENTQ_GATEWAY_MAX_BACKLOG_LOW,
    } satisfies Record<PriorityLevel, number>,
    retryAfterSeconds: env.AGENTQ_GATEWAY_RETRY_AFTER_S,
    taskIndexMax: env.AGENTQ_GATEWAY_TASK_INDEX_MAX,
    sseKeepAliveMs: env.AGENTQ_GATEWAY_SSE_KEEPALIVE_MS,
    sseMaxBufferedBytes: env.AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES,
    sseBlockedTimeoutMs: env.AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS,
    adminUi: env.AGENTQ_GATEWAY_ADMIN_UI,
    adminUiReadOnly: env.AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY,
    auth: env.AGENTQ_AUTH,
    apiKeys: [...env.AGENTQ_API_KEYS, ...(env.AGENTQ_API_KEYS_FILE ?? [])],
    rateLimit: {
      perMinute: env.AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN,
      burst: env.AGENTQ_GATEWAY_RATE_LIMIT_BURST,
    } satisfies RateLimit,
    taskRateLimit: {
      perMinute: env.AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN,
      burst: env.AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST,
    } satisfies RateLimit,
    tenantMaxUnfinished: env.AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED,
    corsOrigins: env.AGENTQ_CORS_ORIGINS,
  }));

export type GatewayConfig = z.output<typeof configSchema>;

/** Reads the gateway's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parseEnv(configSchema, env);
}
