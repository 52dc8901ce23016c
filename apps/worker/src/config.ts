import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import { commaList, parseEnv, sharedEnvShape } from '@agentq/queue';

const ms = z.coerce.number().int().min(1);

export const configSchema = z
  .object({
    ...sharedEnvShape,
    /** Pools (queues) this process serves. */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Tasks run at once per pool in this process. */
    AGENTQ_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(10),
    /** A task's lock; a worker that dies loses it after this long and another takes over. */
    AGENTQ_WORKER_LOCK_DURATION_MS: ms.min(5000).default(10_000),
    /** How often workers look for tasks whose lock expired. */
    AGENTQ_WORKER_STALLED_INTERVAL_MS: ms.min(1000).default(5000),
    /** Time limit of a task that sets no timeoutMs. */
    AGENTQ_WORKER_DEFAULT_TIMEOUT_MS: ms.default(600_000),
    /** On SIGTERM, running tasks get this long to finish before the process exits. */
    AGENTQ_WORKER_DRAIN_TIMEOUT_MS: ms.default(30_000),
  })
  .superRefine((env, ctx) => {
    if (env.AGENTQ_WORKER_STALLED_INTERVAL_MS >= env.AGENTQ_WORKER_LOCK_DURATION_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_WORKER_STALLED_INTERVAL_MS'],
        message: 'must be shorter than AGENTQ_WORKER_LOCK_DURATION_MS',
      });
    }
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    prefix: env.AGENTQ_PREFIX,
    logLevel: env.AGENTQ_LOG_LEVEL,
    pools: env.AGENTQ_POOLS,
    concurrency: env.AGENTQ_CONCURRENCY,
    lockDurationMs: env.AGENTQ_WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: env.AGENTQ_WORKER_STALLED_INTERVAL_MS,
    defaultTimeoutMs: env.AGENTQ_WORKER_DEFAULT_TIMEOUT_MS,
    drainTimeoutMs: env.AGENTQ_WORKER_DRAIN_TIMEOUT_MS,
  }));

export type WorkerConfig = z.output<typeof configSchema>;

/** Reads the worker's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(configSchema, env);
}
