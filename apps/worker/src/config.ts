import { z } from 'zod';
import { PoolNameSchema, type PoolName } from '@agentq/contracts';
import {
  agentModulesEnvShape,
  httpEnvShape,
  httpPolicyFromEnv,
  llmConfigFromEnv,
  llmEnvShape,
} from '@agentq/agents';
import {
  ConfigError,
  DEFAULT_FINISHED_RECORD_LIMITS,
  commaList,
  parseEnv,
  sharedEnvShape,
  tenantPoliciesFromEnv,
  tenantsEnvShape,
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

export const configSchema = z
  .object({
    ...sharedEnvShape,
    ...tenantsEnvShape,
    ...llmEnvShape,
    ...httpEnvShape,
    ...agentModulesEnvShape,
    /** Pools (queues) this process serves. */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Execution profile per pool (short, llm-stream, batch); unnamed pools use short. */
    AGENTQ_POOL_PROFILES: poolMap(z.enum(PROFILE_NAMES)).optional(),
    /** Tasks run at once per pool in this process; unset: the pool's profile decides. */
    AGENTQ_CONCURRENCY: count.optional(),
    /** Per-pool concurrency in this process (`large:4`), over AGENTQ_CONCURRENCY. */
    AGENTQ_POOL_CONCURRENCY: poolMap(count).optional(),
    /** Upper bound of the pools' concurrencies added up; unset: no bound. */
    AGENTQ_WORKER_MAX_CONCURRENCY: count.optional(),
    /** Per-pool concurrency across all workers (`large:100`, BullMQ global concurrency). */
    AGENTQ_POOL_GLOBAL_CONCURRENCY: poolMap(count).optional(),
    /** Per-pool start rate across all workers (`default:100/1000`: 100 tasks a second). */
    AGENTQ_POOL_RATE_LIMITS: poolMap(rateLimit).optional(),
    /** A task's lock, for every pool; unset: the profile's (short: 6000). */
    AGENTQ_WORKER_LOCK_DURATION_MS: ms.min(1000).optional(),
    /** How often expired locks are looked for, for every pool; unset: the profile's. */
    AGENTQ_WORKER_STALLED_INTERVAL_MS: ms.min(500).optional(),
    /** Takeovers before a task fails, for every pool; unset: the profile's. */
    AGENTQ_WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(0).max(100).optional(),
    /**
     * How often each pool worker looks for workers whose connections closed (a dead process)
     * to release their tasks at once; 0 leaves takeover to lock expiry alone.
     */
    AGENTQ_WORKER_FAILOVER_POLL_MS: z.coerce.number().int().min(0).default(250),
    /**
     * A worker must stay disconnected this long, seen at two looks, before its tasks are
     * released: longer than a reconnect after a blip (connection reset, Redis restart).
     */
    AGENTQ_WORKER_FAILOVER_GRACE_MS: ms.min(1000).default(1000),
    /** Time limit of a task that sets no timeoutMs. */
    AGENTQ_WORKER_DEFAULT_TIMEOUT_MS: ms.default(600_000),
    /** How long a finished task's record (state, finish time) outlives its job: 410, not 404. */
    AGENTQ_RETENTION_RECORD_AGE_S: ms.default(DEFAULT_FINISHED_RECORD_LIMITS.maxAgeSeconds),
    /** Most finished-task records kept per tenant (a memory bound). */
    AGENTQ_RETENTION_RECORD_COUNT: ms.default(DEFAULT_FINISHED_RECORD_LIMITS.maxPerTenant),
    /** Longest an attempt waits for LLM rate limits or an open circuit (or its time limit). */
    AGENTQ_WORKER_MAX_HOLD_MS: ms.default(600_000),
    /** On SIGTERM, running tasks get this long before they are handed back; unset: profile. */
    AGENTQ_WORKER_DRAIN_TIMEOUT_MS: ms.optional(),
    /** First retry delay of a task without its own backoff (doubles, full jitter). */
    AGENTQ_WORKER_BACKOFF_BASE_MS: ms.default(1000),
    /** No retry delay is longer than this. */
    AGENTQ_WORKER_BACKOFF_CAP_MS: ms.default(300_000),
    /** Port of /health, /ready and /metrics; 0 turns the server off. */
    AGENTQ_WORKER_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
    /** Address the HTTP server listens on. */
    AGENTQ_WORKER_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
    /** Agents run in a worker thread each (process.exit or a CPU spin cannot stop the worker). */
    AGENTQ_WORKER_ISOLATED_AGENTS: commaList(z.string().min(1)).optional(),
    /** An event-loop stall at least this long is logged with the tasks in flight. */
    AGENTQ_WORKER_STALL_WARN_MS: ms.default(1000),
    /**
     * Starts this process's BullMQ name, `<name>:<pid>:<pools>:c<concurrency>` (the
     * `processedBy` of its tasks): the pod name in Kubernetes, so the scaler can tell idle
     * pods; unset: the host name.
     */
    AGENTQ_WORKER_NAME: z
      .string()
      .regex(/^[A-Za-z0-9._:+-]{1,253}$/, { message: 'letters, digits and . _ : + - only' })
      .optional(),
  })
  .transform((env, ctx) => {
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
      redisUrl: env.REDIS_URL,
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
