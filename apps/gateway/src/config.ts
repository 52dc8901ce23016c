import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PoolNameSchema, type PriorityLevel } from '@agentq/contracts';
import {
  agentDeploymentFromEnv,
  agentModulesEnvDocs,
  agentModulesEnvShape,
  llmDeploymentEnvDocs,
  llmDeploymentEnvShape,
} from '@agentq/agents';
import {
  DEFAULT_RETENTION,
  apiKeysEnvDocs,
  apiKeysEnvShape,
  commaList,
  parseEnv,
  redisTargetFromEnv,
  sharedEnvDocs,
  sharedEnvShape,
  tenantPoliciesFromEnv,
  tenantsEnvDocs,
  tenantsEnvShape,
  type EnvDocs,
  type RateLimit,
} from '@agentq/queue';

const seconds = z.coerce.number().int().min(0);
const count = z.coerce.number().int().min(0);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');
const perMinute = z.coerce.number().int().min(1);

/** The console's build in this repository (apps/console/dist), from src/ or dist/ alike. */
const REPO_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));

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

/** Every variable the gateway reads. */
export const envShape = {
  ...sharedEnvShape,
  ...tenantsEnvShape,
  ...agentModulesEnvShape,
  ...llmDeploymentEnvShape,
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  AGENTQ_GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
  AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
  AGENTQ_GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  AGENTQ_GATEWAY_BODY_MAX_DEPTH: z.coerce.number().int().min(4).max(1000).default(64),
  AGENTQ_GATEWAY_INPUT_LIMIT_BYTES: z.coerce.number().int().min(1024).default(262_144),
  AGENTQ_RETENTION_COMPLETED_AGE_S: seconds.default(DEFAULT_RETENTION.completedAgeSeconds),
  AGENTQ_RETENTION_COMPLETED_COUNT: seconds.default(DEFAULT_RETENTION.completedCount),
  AGENTQ_RETENTION_FAILED_AGE_S: seconds.default(DEFAULT_RETENTION.failedAgeSeconds),
  AGENTQ_RETENTION_FAILED_COUNT: seconds.default(DEFAULT_RETENTION.failedCount),
  AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL: count.default(50),
  AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: count.default(100),
  AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: count.default(500),
  AGENTQ_GATEWAY_MAX_BACKLOG_LOW: count.default(1000),
  AGENTQ_GATEWAY_RETRY_AFTER_S: z.coerce.number().int().min(1).default(5),
  AGENTQ_GATEWAY_TASK_INDEX_MAX: z.coerce.number().int().min(1).default(100_000),
  AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX: z.coerce.number().int().min(1).default(100_000),
  AGENTQ_GATEWAY_SSE_KEEPALIVE_MS: z.coerce.number().int().min(100).default(15_000),
  AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  AGENTQ_AUTH: z.enum(['on', 'off']).default('on'),
  AGENTQ_FAIR_SHARE: z.enum(['on', 'off']).default('on'),
  ...apiKeysEnvShape,
  AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN: perMinute.default(1000),
  AGENTQ_GATEWAY_RATE_LIMIT_BURST: perMinute.default(100),
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN: perMinute.default(10_000),
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: perMinute.default(1000),
  AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: count.default(10_000),
  AGENTQ_REDIS_ACK_REPLICAS: count.max(16).default(0),
  AGENTQ_REDIS_ACK_TIMEOUT_MS: z.coerce.number().int().min(10).max(1500).default(500),
  AGENTQ_CORS_ORIGINS: corsOrigins.default([]),
  AGENTQ_GATEWAY_ADMIN_UI: flag.default(false),
  AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: flag.default(true),
  AGENTQ_GATEWAY_SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  AGENTQ_SCALER_URL: z.url({ protocol: /^https?$/ }).optional(),
  AGENTQ_GATEWAY_CONSOLE_DIR: z.string().min(1).optional(),
  AGENTQ_GATEWAY_TRACE_URL: z
    .url({ protocol: /^https?$/ })
    .refine((url) => url.includes('{traceId}'), 'must contain {traceId}')
    .optional(),
};

/** What each variable means (docs/configuration.md is generated from it). */
export const envDocs = {
  ...sharedEnvDocs,
  ...tenantsEnvDocs,
  ...agentModulesEnvDocs,
  ...llmDeploymentEnvDocs,
  ...apiKeysEnvDocs,
  PORT: 'HTTP port',
  AGENTQ_GATEWAY_HOST: 'address to listen on',
  AGENTQ_POOLS: 'pools that accept tasks (comma-separated); a task naming another pool is rejected',
  AGENTQ_GATEWAY_BODY_LIMIT_BYTES: 'largest request body (413 beyond)',
  AGENTQ_GATEWAY_BODY_MAX_DEPTH: 'deepest nesting in a JSON body (400 beyond)',
  AGENTQ_GATEWAY_INPUT_LIMIT_BYTES:
    'largest task input, in bytes as JSON, each task of a batch and each workflow step on its own (413 beyond)',
  AGENTQ_RETENTION_COMPLETED_AGE_S: 'completed tasks are kept this long …',
  AGENTQ_RETENTION_COMPLETED_COUNT: '… and at most this many per pool (a memory bound)',
  AGENTQ_RETENTION_FAILED_AGE_S: 'failed tasks are kept this long …',
  AGENTQ_RETENTION_FAILED_COUNT: '… and at most this many per pool (a memory bound)',
  AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL:
    'most critical tasks waiting per pool before submits get 429 (0 = no limit)',
  AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '… high-priority tasks',
  AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: '… normal-priority tasks',
  AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '… low-priority tasks',
  AGENTQ_GATEWAY_RETRY_AFTER_S: '`Retry-After` of a 429 for a full backlog',
  AGENTQ_GATEWAY_TASK_INDEX_MAX: 'tasks listed per tenant by `GET /v1/tasks` (older ones trimmed)',
  AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX:
    'workflows listed per tenant by `GET /v1/workflows` (older ones trimmed)',
  AGENTQ_GATEWAY_SSE_KEEPALIVE_MS:
    'interval of keep-alive comments on event streams, and of the check for task events trimmed before they were read',
  AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES: 'most a stream holds unread before it is reset',
  AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS: 'a stream left unread this long is reset',
  AGENTQ_AUTH:
    '`off` only for local development: no keys checked, every request is tenant `default` with every scope (logged as a warning)',
  AGENTQ_FAIR_SHARE:
    'within a pool and priority, tenants with waiting tasks take turns by weight (`weight` in AGENTQ_TENANTS); `off`: first in, first out',
  AGENTQ_GATEWAY_RATE_LIMIT_PER_MIN:
    'requests per minute per key (token bucket refill), unless the key sets its own',
  AGENTQ_GATEWAY_RATE_LIMIT_BURST: 'requests a key may make at once (bucket size)',
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_PER_MIN:
    'tasks submitted per minute per key (each task of a batch counts)',
  AGENTQ_GATEWAY_TASK_RATE_LIMIT_BURST: 'tasks a key may submit at once; also its largest batch',
  AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED:
    'most tasks per tenant not finished yet (waiting, delayed, active) before submits get 429 (0 = no limit)',
  AGENTQ_CORS_ORIGINS:
    'browser origins allowed (comma-separated, exact `scheme://host[:port]`, or `*`); unset: no CORS',
  AGENTQ_GATEWAY_ADMIN_UI:
    'serve Bull Board at `/admin/queues` (needs a key with the `admin` scope)',
  AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY: 'Bull Board without retry/remove/clean buttons',
  AGENTQ_GATEWAY_SHUTDOWN_DELAY_MS:
    'on SIGTERM, how long to keep serving with `/ready` at 503 before closing, so load balancers stop routing first (Kubernetes: 5000)',
  AGENTQ_GATEWAY_CONSOLE_DIR:
    'folder of the built web console served at `/console`; unset: apps/console/dist of this checkout (the image sets its own)',
  AGENTQ_GATEWAY_TRACE_URL:
    "where a trace is shown, with `{traceId}` for its id (Jaeger: `http://jaeger:16686/trace/{traceId}`): the console's task page links there",
  AGENTQ_SCALER_URL:
    "the scaler's HTTP API (its `AGENTQ_SCALER_HTTP_PORT`), which `/v1/scaler/...` forwards to for admin keys; unset: those routes answer 503 `SCALER_UNAVAILABLE`",
  AGENTQ_REDIS_ACK_REPLICAS:
    'a submit is acknowledged only once this many replicas have its write (Redis `WAIT`); else 504 `OUTCOME_UNKNOWN`. 0: once the master has it',
  AGENTQ_REDIS_ACK_TIMEOUT_MS:
    'how long a submit waits for those replicas (below the 2 s command timeout)',
} satisfies EnvDocs<typeof envShape>;

export const configSchema = z
  .object(envShape)
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
  .transform((env, ctx) => ({
    redis: redisTargetFromEnv(env, ctx),
    // On a Cluster each pool's keys have a slot of their own (poolKeyPrefix).
    poolSlots: env.REDIS_CLUSTER_NODES !== undefined,
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
    workflowIndexMax: env.AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX,
    sseKeepAliveMs: env.AGENTQ_GATEWAY_SSE_KEEPALIVE_MS,
    sseMaxBufferedBytes: env.AGENTQ_GATEWAY_SSE_MAX_BUFFERED_BYTES,
    sseBlockedTimeoutMs: env.AGENTQ_GATEWAY_SSE_BLOCKED_TIMEOUT_MS,
    adminUi: env.AGENTQ_GATEWAY_ADMIN_UI,
    adminUiReadOnly: env.AGENTQ_GATEWAY_ADMIN_UI_READ_ONLY,
    auth: env.AGENTQ_AUTH,
    fairShare: env.AGENTQ_FAIR_SHARE === 'on',
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
    shutdownDelayMs: env.AGENTQ_GATEWAY_SHUTDOWN_DELAY_MS,
    scalerUrl: env.AGENTQ_SCALER_URL,
    consoleDir: env.AGENTQ_GATEWAY_CONSOLE_DIR ?? REPO_CONSOLE_DIR,
    traceUrl: env.AGENTQ_GATEWAY_TRACE_URL,
    ackReplicas: {
      count: env.AGENTQ_REDIS_ACK_REPLICAS,
      timeoutMs: env.AGENTQ_REDIS_ACK_TIMEOUT_MS,
    },
    corsOrigins: env.AGENTQ_CORS_ORIGINS,
  }));

export type GatewayConfig = z.output<typeof configSchema>;

/** Reads the gateway's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parseEnv(configSchema, env);
}
