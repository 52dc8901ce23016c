import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import { commaList, parseEnv, sharedEnvShape } from '@agentq/queue';

export const configSchema = z
  .object({
    ...sharedEnvShape,
    /** Pools to watch. */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Time between two observations, in milliseconds. */
    AGENTQ_SCALER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    prefix: env.AGENTQ_PREFIX,
    logLevel: env.AGENTQ_LOG_LEVEL,
    pools: env.AGENTQ_POOLS,
    intervalMs: env.AGENTQ_SCALER_INTERVAL_MS,
  }));

export type ScalerConfig = z.output<typeof configSchema>;

/** Reads the scaler's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ScalerConfig {
  return parseEnv(configSchema, env);
}
