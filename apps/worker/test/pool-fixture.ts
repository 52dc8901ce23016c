import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { AgentRegistry, builtinAgents, type AnyAgent } from '@agentq/agents';
import { PoolWorker } from '../src/pool-worker.js';
import type { PoolSettings } from '../src/config.js';
import { WorkerMetrics } from '../src/metrics.js';
import { createTaskProcessor } from '../src/run-task.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface FixtureOptions {
  connection: Redis;
  prefix: string;
  /** Agents besides the built-in ones. */
  agents?: AnyAgent[];
  settings?: Partial<PoolSettings>;
  backoff?: { baseMs: number; capMs: number };
  metrics?: WorkerMetrics;
  logger?: Logger;
  isolation?: { agents: ReadonlySet<string>; moduleUrl: string };
}

/** A pool worker for the default pool as main.ts builds it, with test-sized settings. */
export function poolWorker(options: FixtureOptions): PoolWorker {
  const logger = options.logger ?? pino({ level: 'silent' });
  return new PoolWorker({
    settings: {
      pool: 'default',
      profile: 'short',
      concurrency: 4,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5000,
      maxStalledCount: 1,
      drainTimeoutMs: 5000,
      rateLimit: undefined,
      globalConcurrency: undefined,
      ...options.settings,
    },
    processor: createTaskProcessor({
      registry: new AgentRegistry([...builtinAgents, ...(options.agents ?? [])]),
      logger,
      defaultTimeoutMs: 60_000,
      redis: options.connection,
      prefix: options.prefix,
      isolation: options.isolation,
    }),
    connection: options.connection,
    prefix: options.prefix,
    workerName: `test:${process.pid}`,
    backoff: options.backoff ?? { baseMs: 10, capMs: 100 },
    metrics: options.metrics ?? new WorkerMetrics(),
    logger,
  });
}
