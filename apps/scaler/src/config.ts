import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import { apiKeysEnvShape, commaList, parseEnv, sharedEnvShape } from '@agentq/queue';
import { parseSchedule } from './schedule.js';

/** `apps/worker/dist/main.js` of this checkout, seen from `apps/scaler/dist/config.js`. */
const defaultWorkerScript = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../worker/dist/main.js',
);

const seconds = z.coerce.number().min(0);
const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const configSchema = z
  .object({
    ...sharedEnvShape,
    ...apiKeysEnvShape,
    /** Pools to watch and scale (one worker group per pool). */
    AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
    /** Time between two observations, in milliseconds. */
    AGENTQ_SCALER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
    /** Who applies decisions: local (worker processes here), kubernetes (Deployments), none. */
    AGENTQ_SCALER_ACTUATOR: z.enum(['local', 'kubernetes', 'none']).default('local'),
    /** Fewest workers per pool; 0 lets an idle pool scale to zero. */
    AGENTQ_SCALER_MIN_REPLICAS: z.coerce.number().int().min(0).default(1),
    /** Most workers per pool. */
    AGENTQ_SCALER_MAX_REPLICAS: z.coerce.number().int().min(1).max(1000).default(4),
    /** Task slots of one worker (passed to local workers as AGENTQ_CONCURRENCY). */
    AGENTQ_SCALER_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(10),
    /** Fraction of the slots the scaler aims to keep busy. */
    AGENTQ_SCALER_TARGET_UTILIZATION: z.coerce.number().gt(0).max(1).default(0.8),
    /** A backlog should be cleared within this many seconds. */
    AGENTQ_SCALER_BACKLOG_DRAIN_S: seconds.min(1).default(60),
    /** Latency objective: the oldest waiting task should wait no longer than this (s). */
    AGENTQ_SCALER_MAX_WAIT_S: seconds.min(1).default(30),
    /** Task duration assumed until completed tasks have been seen (s). */
    AGENTQ_SCALER_DEFAULT_TASK_S: seconds.gt(0).default(1),
    /** Most replicas added by one decision. */
    AGENTQ_SCALER_STEP_UP: z.coerce.number().int().min(1).default(2),
    /** Most replicas removed by one decision. */
    AGENTQ_SCALER_STEP_DOWN: z.coerce.number().int().min(1).default(1),
    /**
     * After a scale-up, the next waits until its workers are ready, for at most this many
     * seconds (the whole wait when readiness cannot be told).
     */
    AGENTQ_SCALER_UP_COOLDOWN_S: seconds.default(15),
    /** Scale down only to the highest recommendation of this many past seconds. */
    AGENTQ_SCALER_DOWN_STABILIZATION_S: seconds.default(120),
    /** Smoothing half-life of the arrival/completion/failure rates (s). */
    AGENTQ_SCALER_RATE_HALF_LIFE_S: seconds.gt(0).default(10),
    /** Completed tasks sampled per tick for the duration p50/p95. */
    AGENTQ_SCALER_DURATION_SAMPLE: z.coerce.number().int().min(1).max(200).default(20),
    /** Predictive mode: size for the arrival rate forecast one worker start-up ahead. */
    AGENTQ_SCALER_PREDICTIVE: flag.default(false),
    /** Time a new worker needs before it runs tasks (s); the forecast horizon. */
    AGENTQ_SCALER_WORKER_STARTUP_S: seconds.default(5),
    /** Holt smoothing of the level of the arrival rate (0..1). */
    AGENTQ_SCALER_HOLT_ALPHA: z.coerce.number().gt(0).max(1).default(0.5),
    /** Holt smoothing of the trend of the arrival rate (0..1). */
    AGENTQ_SCALER_HOLT_BETA: z.coerce.number().gt(0).max(1).default(0.3),
    /** Scheduled minimums: `<cron>|<minutes>|<replicas>` windows separated by `;`. */
    AGENTQ_SCALER_SCHEDULE: z.string().default(''),
    /** Time zone of the schedule's cron expressions. */
    AGENTQ_SCALER_SCHEDULE_TZ: z.string().default('UTC'),
    /** No scale-up while more than this fraction of finishing tasks fail (0..1). */
    AGENTQ_SCALER_FAILURE_RATE_MAX: z.coerce.number().min(0).max(1).default(0.5),
    /** Cost of one worker per hour, in any currency; 0 disables the cost ceiling. */
    AGENTQ_SCALER_COST_PER_REPLICA_HOUR: z.coerce.number().min(0).default(0),
    /** Budget per hour per pool; replicas are capped so replicas × cost ≤ budget. */
    AGENTQ_SCALER_BUDGET_PER_HOUR: z.coerce.number().min(0).default(0),
    /** Port of /status, /metrics, /health, /ready and /scale. */
    AGENTQ_SCALER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
    /** Address the HTTP server listens on (loopback: only this machine reaches it). */
    AGENTQ_SCALER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
    /** Longest pin POST /scale accepts (ms). */
    AGENTQ_SCALER_MAX_PIN_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(24 * 3600_000),
    /** How long changed decisions stay in the history (ms). */
    AGENTQ_SCALER_HISTORY_MS: z.coerce
      .number()
      .int()
      .min(60_000)
      .default(24 * 3600_000),
    /** Most decisions the history keeps, whatever their age. */
    AGENTQ_SCALER_HISTORY_MAX: z.coerce.number().int().min(10).max(1_000_000).default(50_000),
    /** Leader lease time; a dead leader is replaced after about this long (ms). */
    AGENTQ_SCALER_LEASE_TTL_MS: z.coerce.number().int().min(1000).default(5000),
    /** Worker entry point started by the local actuator. */
    AGENTQ_SCALER_WORKER_SCRIPT: z.string().default(defaultWorkerScript),
    /** Local workers' log lines: `drop`, or `inherit` (re-written to the scaler's stdout). */
    AGENTQ_SCALER_CHILD_LOGS: z.enum(['drop', 'inherit']).default('drop'),
    /** First delay before restarting a crashed worker; doubles up to 30 s (ms). */
    AGENTQ_SCALER_RESTART_BACKOFF_MS: z.coerce.number().int().min(10).default(1000),
    /** Namespace of the worker Deployments (kubernetes actuator). */
    AGENTQ_SCALER_K8S_NAMESPACE: z.string().min(1).default('default'),
    /** Worker Deployment of a pool; `{pool}` is replaced by the pool's name. */
    AGENTQ_SCALER_K8S_DEPLOYMENT: z.string().min(1).default('agentq-worker-{pool}'),
  })
  .superRefine((env, ctx) => {
    if (env.AGENTQ_SCALER_MIN_REPLICAS > env.AGENTQ_SCALER_MAX_REPLICAS) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_SCALER_MIN_REPLICAS'],
        message: 'must not exceed AGENTQ_SCALER_MAX_REPLICAS',
      });
    }
    try {
      parseSchedule(env.AGENTQ_SCALER_SCHEDULE, env.AGENTQ_SCALER_SCHEDULE_TZ);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_SCALER_SCHEDULE'],
        message: (error as Error).message,
      });
    }
    if (!env.AGENTQ_SCALER_K8S_DEPLOYMENT.includes('{pool}') && env.AGENTQ_POOLS.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['AGENTQ_SCALER_K8S_DEPLOYMENT'],
        message: 'must contain {pool} when several pools are scaled',
      });
    }
  })
  .transform((env) => ({
    redisUrl: env.REDIS_URL,
    prefix: env.AGENTQ_PREFIX,
    logLevel: env.AGENTQ_LOG_LEVEL,
    pools: env.AGENTQ_POOLS,
    intervalMs: env.AGENTQ_SCALER_INTERVAL_MS,
    actuator: env.AGENTQ_SCALER_ACTUATOR,
    policy: {
      minReplicas: env.AGENTQ_SCALER_MIN_REPLICAS,
      maxReplicas: env.AGENTQ_SCALER_MAX_REPLICAS,
      concurrency: env.AGENTQ_SCALER_WORKER_CONCURRENCY,
      targetUtilization: env.AGENTQ_SCALER_TARGET_UTILIZATION,
      backlogDrainS: env.AGENTQ_SCALER_BACKLOG_DRAIN_S,
      maxWaitS: env.AGENTQ_SCALER_MAX_WAIT_S,
      defaultTaskS: env.AGENTQ_SCALER_DEFAULT_TASK_S,
      stepUp: env.AGENTQ_SCALER_STEP_UP,
      stepDown: env.AGENTQ_SCALER_STEP_DOWN,
      upCooldownS: env.AGENTQ_SCALER_UP_COOLDOWN_S,
      downStabilizationS: env.AGENTQ_SCALER_DOWN_STABILIZATION_S,
      predictive: env.AGENTQ_SCALER_PREDICTIVE,
      workerStartupS: env.AGENTQ_SCALER_WORKER_STARTUP_S,
      holtAlpha: env.AGENTQ_SCALER_HOLT_ALPHA,
      holtBeta: env.AGENTQ_SCALER_HOLT_BETA,
      failureRateMax: env.AGENTQ_SCALER_FAILURE_RATE_MAX,
      costPerReplicaHour: env.AGENTQ_SCALER_COST_PER_REPLICA_HOUR,
      budgetPerHour: env.AGENTQ_SCALER_BUDGET_PER_HOUR,
    },
    schedule: parseSchedule(env.AGENTQ_SCALER_SCHEDULE, env.AGENTQ_SCALER_SCHEDULE_TZ),
    rateHalfLifeS: env.AGENTQ_SCALER_RATE_HALF_LIFE_S,
    durationSample: env.AGENTQ_SCALER_DURATION_SAMPLE,
    httpPort: env.AGENTQ_SCALER_HTTP_PORT,
    httpHost: env.AGENTQ_SCALER_HTTP_HOST,
    apiKeys: [...env.AGENTQ_API_KEYS, ...(env.AGENTQ_API_KEYS_FILE ?? [])],
    maxPinMs: env.AGENTQ_SCALER_MAX_PIN_MS,
    history: {
      retentionMs: env.AGENTQ_SCALER_HISTORY_MS,
      maxEntries: env.AGENTQ_SCALER_HISTORY_MAX,
    },
    leaseTtlMs: env.AGENTQ_SCALER_LEASE_TTL_MS,
    workerScript: env.AGENTQ_SCALER_WORKER_SCRIPT,
    inheritChildLogs: env.AGENTQ_SCALER_CHILD_LOGS === 'inherit',
    restartBackoffMs: env.AGENTQ_SCALER_RESTART_BACKOFF_MS,
    kubernetes: {
      namespace: env.AGENTQ_SCALER_K8S_NAMESPACE,
      deployment: env.AGENTQ_SCALER_K8S_DEPLOYMENT,
    },
  }));

export type ScalerConfig = z.output<typeof configSchema>;

/** Reads the scaler's configuration; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): ScalerConfig {
  return parseEnv(configSchema, env);
}
