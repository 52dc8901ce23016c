import { z } from 'zod';
import { PoolNameSchema, type PoolName } from '@agentq/contracts';
import {
  agentModulesEnvDocs,
  agentModulesEnvShape,
  httpEnvDocs,
  httpEnvShape,
  httpPolicyFromEnv,
  llmConfigFromEnv,
  llmEnvDocs,
  llmEnvShape,
} from '@agentq/agents';
import {
  ConfigError,
  DEFAULT_FINISHED_RECORD_LIMITS,
  commaList,
  parseEnv,
  redisTargetFromEnv,
  sharedEnvDocs,
  sharedEnvShape,
  tenantPoliciesFromEnv,
  tenantsEnvDocs,
  tenantsEnvShape,
  type EnvDocs,
} from '@agentq/queue';
import { PROFILE_NAMES, PROFILES, type ProfileName } from './profiles.js';

const ms = z.coerce.number().int().min(1);
const count = z.coerce.number().int().min(1).max(10_000);

/** `pool:value,pool:value` (e.g. `default:short,large:llm-stream`) as a map by pool. */
function poolMap<T extends z.ZodType>(value: T) {
  const item = z.tuple([PoolNameSchema, value]);
  return z.string().transform((text, ctx) => {
    const map = new Map<PoolName, z.output<T>>();
    for (const part of text.split(',').map((entry) => entry.trim())) {
      if (part === '') continue;
      const colon = part.indexOf(':');
      const parsed = item.safeParse([part.slice(0, colon), part.slice(colon + 1)]);
      if (colon < 1 || !parsed.success) {
        const why = parsed.error?.issues[0]?.message ?? 'expected pool:value';
        ctx.addIssue({ code: 'custom', message: `"${part}": ${why}` });
        return z.NEVER;
      }
      map.set(parsed.data[0] as PoolName, parsed.data[1] as z.output<T>);
    }
    return map;
  });
}

/** `max/durationMs`: at most `max` tasks start per `durationMs` across all workers. */
const rateLimit = z
  .string()
  .regex(/^\d+\/\d+$/, { message: 'rate limits are max/durationMs, e.g. 100/1000' })
  .transform((text) => {
    const [max, durationMs] = text.split('/').map(Number) as [number, number];
    return { max, durationMs };
  })
  .pipe(z.object({ max: z.number().int().min(1), durationMs: z.number().int().min(1) }));

/** Every variable the worker reads. */
export const envShape = {
  ...sharedEnvShape,
  ...tenantsEnvShape,
  ...llmEnvShape,
  ...httpEnvShape,
  ...agentModulesEnvShape,
  AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
  AGENTQ_POOL_PROFILES: poolMap(z.enum(PROFILE_NAMES)).optional(),
  AGENTQ_CONCURRENCY: count.optional(),
  AGENTQ_POOL_CONCURRENCY: poolMap(count).optional(),
  AGENTQ_WORKER_MAX_CONCURRENCY: count.optional(),
  AGENTQ_POOL_GLOBAL_CONCURRENCY: poolMap(count).optional(),
  AGENTQ_POOL_RATE_LIMITS: poolMap(rateLimit).optional(),
  AGENTQ_WORKER_LOCK_DURATION_MS: ms.min(1000).optional(),
  AGENTQ_WORKER_STALLED_INTERVAL_MS: ms.min(500).optional(),
  AGENTQ_WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(0).max(100).optional(),
  AGENTQ_WORKER_FAILOVER_POLL_MS: z.coerce.number().int().min(0).default(250),
  AGENTQ_WORKER_FAILOVER_GRACE_MS: ms.min(1000).default(1000),
  AGENTQ_WORKER_DEFAULT_TIMEOUT_MS: ms.default(600_000),
  AGENTQ_RETENTION_RECORD_AGE_S: ms.default(DEFAULT_FINISHED_RECORD_LIMITS.maxAgeSeconds),
  AGENTQ_RETENTION_RECORD_COUNT: ms.default(DEFAULT_FINISHED_RECORD_LIMITS.maxPerTenant),
  AGENTQ_WORKER_MAX_HOLD_MS: ms.default(600_000),
  AGENTQ_WORKER_DRAIN_TIMEOUT_MS: ms.optional(),
  AGENTQ_WORKER_BACKOFF_BASE_MS: ms.default(1000),
  AGENTQ_WORKER_BACKOFF_CAP_MS: ms.default(300_000),
  AGENTQ_WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  AGENTQ_WORKER_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  AGENTQ_WORKER_ISOLATED_AGENTS: commaList(z.string().min(1)).optional(),
  AGENTQ_WORKER_STALL_WARN_MS: ms.default(1000),
  AGENTQ_WORKER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._:+-]{1,253}$/, { message: 'letters, digits and . _ : + - only' })
    .optional(),
};

/** What each variable means (docs/configuration.md is generated from it). */
export const envDocs = {
  ...sharedEnvDocs,
  ...tenantsEnvDocs,
  ...llmEnvDocs,
  ...httpEnvDocs,
  ...agentModulesEnvDocs,
  AGENTQ_POOLS: 'pools this process serves (comma-separated)',
  AGENTQ_POOL_PROFILES:
    'profile per pool (`short`, `llm-stream`, `batch`): `large:llm-stream`; unset: `short`',
  AGENTQ_CONCURRENCY:
    "tasks run at once per pool in one process; unset: the profile's (`short`: 10)",
  AGENTQ_POOL_CONCURRENCY: 'per-pool concurrency in one process, `large:4`',
  AGENTQ_WORKER_MAX_CONCURRENCY:
    "bound on the pools' concurrencies added up (start fails above it)",
  AGENTQ_POOL_GLOBAL_CONCURRENCY: 'per-pool tasks at once across all workers, `large:100`',
  AGENTQ_POOL_RATE_LIMITS: 'task starts per pool across all workers, `max/ms`: `default:100/1000`',
  AGENTQ_WORKER_LOCK_DURATION_MS:
    "a hung or cut-off worker's tasks are taken over after about this long; unset: the profile's (`short`: 6000)",
  AGENTQ_WORKER_STALLED_INTERVAL_MS:
    "how often expired locks are looked for (below the lock duration); unset: the profile's (`short`: 2000)",
  AGENTQ_WORKER_MAX_STALLED_COUNT:
    "lost workers before a task counts as one that kills its workers; 0 never runs a task twice; unset: the profile's (`short`: 5)",
  AGENTQ_WORKER_FAILOVER_POLL_MS:
    'how often each pool worker looks for dead workers (their connections closed); `0`: lock expiry alone',
  AGENTQ_WORKER_FAILOVER_GRACE_MS:
    'how long a worker must stay disconnected before its tasks are handed over (at least 1000)',
  AGENTQ_WORKER_DEFAULT_TIMEOUT_MS: 'time limit of a task that sets no `timeoutMs`',
  AGENTQ_RETENTION_RECORD_AGE_S: 'a finished task answers 410 (not 404) this long after it ended',
  AGENTQ_RETENTION_RECORD_COUNT: '… for at most this many tasks per tenant',
  AGENTQ_WORKER_MAX_HOLD_MS:
    'longest an attempt waits for LLM rate limits or an open circuit (or its time limit)',
  AGENTQ_WORKER_DRAIN_TIMEOUT_MS:
    "on SIGTERM, running tasks get this long, then go back to the queue; unset: the profile's (`short`: 30000)",
  AGENTQ_WORKER_BACKOFF_BASE_MS:
    'first retry delay of a task without its own backoff (doubles, full jitter)',
  AGENTQ_WORKER_BACKOFF_CAP_MS: 'longest retry delay',
  AGENTQ_WORKER_HTTP_PORT: 'port of `/health`, `/ready`, `/metrics`; 0 = off',
  AGENTQ_WORKER_HTTP_HOST: "address the worker's HTTP server listens on",
  AGENTQ_WORKER_ISOLATED_AGENTS:
    'agents run in a thread each: `process.exit` or a CPU spin fail only the task',
  AGENTQ_WORKER_STALL_WARN_MS: 'event-loop stalls this long are logged with the tasks in flight',
  AGENTQ_WORKER_NAME:
    "starts the BullMQ name `<name>:<pid>:<pools>:c<slots>` (tasks' `processedBy`); the pod name in Kubernetes; unset: the host name",
} satisfies EnvDocs<typeof envShape>;

export const configSchema = z.object(envShape).transform((env, ctx) => {
  const pools = env.AGENTQ_POOLS.map((pool) => {
    const profileName: ProfileName = env.AGENTQ_POOL_PROFILES?.get(pool) ?? 'short';
    const profile = PROFILES[profileName];
    return {
      pool,
      profile: profileName,
      concurrency:
        env.AGENTQ_POOL_CONCURRENCY?.get(pool) ?? env.AGENTQ_CONCURRENCY ?? profile.concurrency,
      lockDurationMs: env.AGENTQ_WORKER_LOCK_DURATION_MS ?? profile.lockDurationMs,
      stalledIntervalMs: env.AGENTQ_WORKER_STALLED_INTERVAL_MS ?? profile.stalledIntervalMs,
      maxStalledCount: env.AGENTQ_WORKER_MAX_STALLED_COUNT ?? profile.maxStalledCount,
      drainTimeoutMs: env.AGENTQ_WORKER_DRAIN_TIMEOUT_MS ?? profile.drainGraceMs,
      rateLimit: env.AGENTQ_POOL_RATE_LIMITS?.get(pool),
      globalConcurrency: env.AGENTQ_POOL_GLOBAL_CONCURRENCY?.get(pool),
    };
  });
  for (const settings of pools) {
    if (settings.stalledIntervalMs >= settings.lockDurationMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_WORKER_STALLED_INTERVAL_MS'],
        message: `must be shorter than the lock duration of pool ${settings.pool} (${settings.lockDurationMs} ms)`,
      });
    }
  }
  const total = pools.reduce((sum, settings) => sum + settings.concurrency, 0);
  if (
    env.AGENTQ_WORKER_MAX_CONCURRENCY !== undefined &&
    total > env.AGENTQ_WORKER_MAX_CONCURRENCY
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENTQ_WORKER_MAX_CONCURRENCY'],
      message: `the pools' concurrencies add up to ${total}, above this bound`,
    });
  }
  if (env.AGENTQ_WORKER_BACKOFF_CAP_MS < env.AGENTQ_WORKER_BACKOFF_BASE_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENTQ_WORKER_BACKOFF_CAP_MS'],
      message: 'must be at least AGENTQ_WORKER_BACKOFF_BASE_MS',
    });
  }
  return {
    redis: redisTargetFromEnv(env, ctx),
    prefix: env.AGENTQ_PREFIX,
    tenants: tenantPoliciesFromEnv(env),
    logLevel: env.AGENTQ_LOG_LEVEL,
    pools,
    defaultTimeoutMs: env.AGENTQ_WORKER_DEFAULT_TIMEOUT_MS,
    maxHoldMs: env.AGENTQ_WORKER_MAX_HOLD_MS,
    finishedRecords: {
      maxAgeSeconds: env.AGENTQ_RETENTION_RECORD_AGE_S,
      maxPerTenant: env.AGENTQ_RETENTION_RECORD_COUNT,
    },
    backoff: {
      baseMs: env.AGENTQ_WORKER_BACKOFF_BASE_MS,
      capMs: env.AGENTQ_WORKER_BACKOFF_CAP_MS,
    },
    http: { port: env.AGENTQ_WORKER_HTTP_PORT, host: env.AGENTQ_WORKER_HTTP_HOST },
    stallWarnMs: env.AGENTQ_WORKER_STALL_WARN_MS,
    failover: {
      pollMs: env.AGENTQ_WORKER_FAILOVER_POLL_MS,
      graceMs: env.AGENTQ_WORKER_FAILOVER_GRACE_MS,
    },
    workerName: env.AGENTQ_WORKER_NAME,
    isolatedAgents: new Set(env.AGENTQ_WORKER_ISOLATED_AGENTS ?? []),
    agentModules: env.AGENTQ_AGENT_MODULES,
    llm: llmConfigFromEnv(env),
    agentHttp: httpPolicyFromEnv(env),
  };
});

export type WorkerConfig = z.output<typeof configSchema>;
/** How one pool is served in this process. */
export type PoolSettings = WorkerConfig['pools'][number];

/**
 * Throws a ConfigError unless every agent in AGENTQ_WORKER_ISOLATED_AGENTS is one of `known`
 * (built-ins and plugins, so only known once the plugins are loaded): a misspelt name would
 * leave the agent it meant running in the worker's process.
 */
export function checkIsolatedAgents(
  isolatedAgents: ReadonlySet<string>,
  known: readonly string[],
): void {
  const unknown = [...isolatedAgents].filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const names = unknown.map((name) => `"${name}"`).join(', ');
  throw new ConfigError(
    `invalid configuration:\n  AGENTQ_WORKER_ISOLATED_AGENTS: no agent named ${names} (known: ${known.join(', ')})`,
  );
}

/** Reads the worker's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(configSchema, env);
}
