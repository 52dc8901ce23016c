import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import { DEFAULT_RETENTION, commaList, parseEnv, sharedEnvShape } from '@agentq/queue';

const seconds = z.coerce.number().int().min(0);

export const configSchema = z
  .object({
    ...sharedEnvShape,
    /** Port to listen on (0 picks a free one). */
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Address to listen on. */
    AGENTQ_GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
    /** Pools that accept tasks; a task naming another pool is rejected. */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Largest request body accepted, in bytes. */
    AGENTQ_GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    /** Completed tasks are kept this long (seconds) ... */
    AGENTQ_RETENTION_COMPLETED_AGE_S: seconds.default(DEFAULT_RETENTION.completedAgeSeconds),
    /** ... and at most this many per pool. */
    AGENTQ_RETENTION_COMPLETED_COUNT: seconds.default(DEFAULT_RETENTION.completedCount),
    /** Failed tasks are kept this long (seconds) ... */
    AGENTQ_RETENTION_FAILED_AGE_S: seconds.default(DEFAULT_RETENTION.failedAgeSeconds),
    /** ... and at most this many per pool. */
    AGENTQ_RETENTION_FAILED_COUNT: seconds.default(DEFAULT_RETENTION.failedCount),
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    prefix: env.AGENTQ_PREFIX,
    logLevel: env.AGENTQ_LOG_LEVEL,
    port: env.PORT,
    host: env.AGENTQ_GATEWAY_HOST,
    pools: env.AGENTQ_POOLS,
    bodyLimitBytes: env.AGENTQ_GATEWAY_BODY_LIMIT_BYTES,
    retention: {
      completedAgeSeconds: env.AGENTQ_RETENTION_COMPLETED_AGE_S,
      completedCount: env.AGENTQ_RETENTION_COMPLETED_COUNT,
      failedAgeSeconds: env.AGENTQ_RETENTION_FAILED_AGE_S,
      failedCount: env.AGENTQ_RETENTION_FAILED_COUNT,
    },
  }));

export type GatewayConfig = z.output<typeof configSchema>;

/** Reads the gateway's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parseEnv(configSchema, env);
}
