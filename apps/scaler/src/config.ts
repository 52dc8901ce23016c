import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PoolNameSchema } from '@agentq/contracts';
import {
  apiKeysEnvDocs,
  apiKeysEnvShape,
  commaList,
  parseEnv,
  redisTargetFromEnv,
  sharedEnvDocs,
  sharedEnvShape,
  type EnvDocs,
} from '@agentq/queue';
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

/** Every variable the scaler reads. */
export const envShape = {
  ...sharedEnvShape,
  ...apiKeysEnvShape,
  AGENTQ_POOLS: commaList(PoolNameSchema).default(['default']),
  AGENTQ_SCALER_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  AGENTQ_SCALER_ACTUATOR: z.enum(['local', 'kubernetes', 'keda', 'none']).default('local'),
  AGENTQ_SCALER_MIN_REPLICAS: z.coerce.number().int().min(0).default(1),
  AGENTQ_SCALER_MAX_REPLICAS: z.coerce.number().int().min(1).max(1000).default(4),
  AGENTQ_SCALER_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(10),
  AGENTQ_SCALER_TARGET_UTILIZATION: z.coerce.number().gt(0).max(1).default(0.8),
  AGENTQ_SCALER_BACKLOG_DRAIN_S: seconds.min(1).default(60),
  AGENTQ_SCALER_MAX_WAIT_S: seconds.min(1).default(30),
  AGENTQ_SCALER_DEFAULT_TASK_S: seconds.gt(0).default(1),
  AGENTQ_SCALER_STEP_UP: z.coerce.number().int().min(1).default(2),
  AGENTQ_SCALER_STEP_DOWN: z.coerce.number().int().min(1).default(1),
  AGENTQ_SCALER_UP_COOLDOWN_S: seconds.default(15),
  AGENTQ_SCALER_DOWN_STABILIZATION_S: seconds.default(120),
  AGENTQ_SCALER_RATE_HALF_LIFE_S: seconds.gt(0).default(10),
  AGENTQ_SCALER_DURATION_SAMPLE: z.coerce.number().int().min(1).max(200).default(20),
  AGENTQ_SCALER_PREDICTIVE: flag.default(false),
  AGENTQ_SCALER_WORKER_STARTUP_S: seconds.default(5),
  AGENTQ_SCALER_HOLT_ALPHA: z.coerce.number().gt(0).max(1).default(0.5),
  AGENTQ_SCALER_HOLT_BETA: z.coerce.number().gt(0).max(1).default(0.3),
  AGENTQ_SCALER_SCHEDULE: z.string().default(''),
  AGENTQ_SCALER_SCHEDULE_TZ: z.string().default('UTC'),
  AGENTQ_SCALER_FAILURE_RATE_MAX: z.coerce.number().min(0).max(1).default(0.5),
  AGENTQ_SCALER_COST_PER_REPLICA_HOUR: z.coerce.number().min(0).default(0),
  AGENTQ_SCALER_BUDGET_PER_HOUR: z.coerce.number().min(0).default(0),
  AGENTQ_SCALER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  AGENTQ_SCALER_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  AGENTQ_SCALER_MAX_PIN_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(24 * 3600_000),
  AGENTQ_SCALER_HISTORY_MS: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(24 * 3600_000),
  AGENTQ_SCALER_HISTORY_MAX: z.coerce.number().int().min(10).max(1_000_000).default(50_000),
  AGENTQ_SCALER_LEASE_TTL_MS: z.coerce.number().int().min(1000).default(5000),
  AGENTQ_SCALER_WORKER_SCRIPT: z.string().default(defaultWorkerScript),
  AGENTQ_SCALER_CHILD_LOGS: z.enum(['drop', 'inherit']).default('drop'),
  AGENTQ_SCALER_RESTART_BACKOFF_MS: z.coerce.number().int().min(10).default(1000),
  AGENTQ_SCALER_K8S_NAMESPACE: z.string().min(1).default('default'),
  AGENTQ_SCALER_K8S_DEPLOYMENT: z.string().min(1).default('agentq-worker-{pool}'),
};

/** What each variable means (docs/configuration.md is generated from it). */
export const envDocs = {
  ...sharedEnvDocs,
  ...apiKeysEnvDocs,
  AGENTQ_POOLS: 'pools to watch and scale (comma-separated), one worker group each',
  AGENTQ_SCALER_INTERVAL_MS: 'time between two observations of the queues',
  AGENTQ_SCALER_ACTUATOR:
    'who applies decisions: `local` (worker processes on this machine), `kubernetes` (a Deployment per pool), `keda` (KEDA sets the replicas from the published decision; the scaler reads them and marks idle pods first to go), `none` (decide and publish only)',
  AGENTQ_SCALER_MIN_REPLICAS:
    'fewest workers per pool; `0` lets an idle pool scale to zero (woken by the first task)',
  AGENTQ_SCALER_MAX_REPLICAS: 'most workers per pool',
  AGENTQ_SCALER_WORKER_CONCURRENCY:
    'task slots of one worker (given to local workers as `AGENTQ_CONCURRENCY`)',
  AGENTQ_SCALER_TARGET_UTILIZATION: 'fraction of the slots kept busy',
  AGENTQ_SCALER_BACKLOG_DRAIN_S: 'a backlog should be cleared within this long',
  AGENTQ_SCALER_MAX_WAIT_S:
    'latency objective: one more worker past it; misses: `agentq_scaler_objective_miss_seconds`, alert',
  AGENTQ_SCALER_DEFAULT_TASK_S: 'task duration assumed until completed tasks have been seen',
  AGENTQ_SCALER_STEP_UP: 'most workers added by one decision',
  AGENTQ_SCALER_STEP_DOWN: 'most workers removed by one decision',
  AGENTQ_SCALER_UP_COOLDOWN_S:
    "longest a scale-up waits for the last step's workers to be ready (it steps again once they are)",
  AGENTQ_SCALER_DOWN_STABILIZATION_S:
    'scale down only to the highest recommendation of this window',
  AGENTQ_SCALER_RATE_HALF_LIFE_S:
    'smoothing half-life of the arrival, completion and failure rates',
  AGENTQ_SCALER_DURATION_SAMPLE: 'recent completed tasks read per tick for the duration p50/p95',
  AGENTQ_SCALER_PREDICTIVE: 'size for the arrival rate forecast one worker start-up ahead (Holt)',
  AGENTQ_SCALER_WORKER_STARTUP_S:
    'time a new worker needs before it runs tasks; the forecast horizon',
  AGENTQ_SCALER_HOLT_ALPHA: 'Holt smoothing of the level of the arrival rate',
  AGENTQ_SCALER_HOLT_BETA: 'Holt smoothing of its trend',
  AGENTQ_SCALER_SCHEDULE:
    'scheduled minimums: `<cron>|<minutes>|<replicas>` windows separated by `;`',
  AGENTQ_SCALER_SCHEDULE_TZ: 'time zone of the schedule',
  AGENTQ_SCALER_FAILURE_RATE_MAX:
    'no scale-up while more than this fraction of finishing tasks fail',
  AGENTQ_SCALER_COST_PER_REPLICA_HOUR: 'cost of one worker per hour; `0` disables the cost ceiling',
  AGENTQ_SCALER_BUDGET_PER_HOUR: 'budget per pool per hour: workers × cost stays within it',
  AGENTQ_SCALER_HTTP_PORT: 'port of `/status`, `/metrics`, `/health`, `/ready`, `/scale`',
  AGENTQ_SCALER_HTTP_HOST: 'address it listens on',
  AGENTQ_SCALER_MAX_PIN_MS: 'longest pin `POST /scale` accepts (24 h)',
  AGENTQ_SCALER_HISTORY_MS: 'how long decisions that changed a count stay in `/decisions`',
  AGENTQ_SCALER_HISTORY_MAX: 'most decisions kept per history stream',
  AGENTQ_SCALER_LEASE_TTL_MS: 'leader lease; a dead leader is replaced after about this long',
  AGENTQ_SCALER_WORKER_SCRIPT: 'worker entry point the local actuator runs',
  AGENTQ_SCALER_CHILD_LOGS:
    "local workers' log lines: `drop`, or `inherit` (to the scaler's stdout; `pnpm start` sets it)",
  AGENTQ_SCALER_RESTART_BACKOFF_MS:
    'first delay before restarting a crashed worker; doubles up to 30 s',
  AGENTQ_SCALER_K8S_NAMESPACE: 'namespace of the worker Deployments (kubernetes actuator)',
  AGENTQ_SCALER_K8S_DEPLOYMENT: 'worker Deployment of a pool (`{pool}` is replaced)',
} satisfies EnvDocs<typeof envShape>;

export const configSchema = z
  .object(envShape)
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
  .transform((env, ctx) => ({
    redis: redisTargetFromEnv(env, ctx),
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
