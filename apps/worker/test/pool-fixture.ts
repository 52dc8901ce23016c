import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import {
  AgentRegistry,
  builtinAgents,
  createAgentServices,
  type Agent,
  type AnyAgent,
} from '@agentq/agents';
import { queueName, type TaskJobData, type TenantPolicies } from '@agentq/contracts';
import {
  ClientErrors,
  DEFAULT_FINISHED_RECORD_LIMITS,
  FinishedTasks,
  createRedis,
  deleteKeysByPrefix,
  toTaskView,
} from '@agentq/queue';
import type { CancelCheck } from '../src/cancel-listener.js';
import { loadConfig, type PoolSettings } from '../src/config.js';
import { PoolWorker } from '../src/pool-worker.js';
import { WorkerMetrics } from '../src/metrics.js';
import { createTaskProcessor, type RunTaskOptions } from '../src/run-task.js';
import { FailureSettler } from '../src/settle-failure.js';
import { TenantSlots } from '../src/tenant-slots.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An agent for a test: any input, the behaviour given. */
export function testAgent(
  name: string,
  run: Agent<unknown, unknown>['run'],
): Agent<unknown, unknown> {
  return {
    name,
    version: '1.0.0',
    description: `test agent ${name}`,
    inputSchema: z.unknown(),
    run,
  };
}

export interface FixtureOptions {
  /** Agents besides the built-in ones. */
  agents?: AnyAgent[];
  settings?: Partial<PoolSettings>;
  backoff?: { baseMs: number; capMs: number };
  metrics?: WorkerMetrics;
  logger?: Logger;
  isolation?: RunTaskOptions['isolation'];
  /** The processor's cancel check (by default it asks Redis each time). */
  cancels?: CancelCheck;
  /** Longest an attempt may be held by rate limits. @defaultValue 60000 */
  maxHoldMs?: number;
  /** Tenant policies: with `maxRunning`, the pool keeps each tenant to its slots. */
  tenants?: TenantPolicies;
  /** How long a task over its tenant's slots stays parked unless a slot frees. */
  parkMs?: number;
}

/**
 * A pool worker for the default pool as main.ts builds it (default settings, concurrency 4,
 * short backoff), with a queue and QueueEvents under a key prefix of its own.
 */
export function testPool(name: string, options: FixtureOptions = {}) {
  const prefix = `agentq-test-${name}-${randomUUID().slice(0, 8)}`;
  const connection = createRedis(REDIS_URL, 'worker', `test-${name}`);
  const eventsConnection = createRedis(REDIS_URL, 'worker', `test-${name}-events`);
  const queue = new Queue(queueName('default'), { connection, prefix });
  const events = new QueueEvents(queueName('default'), { connection: eventsConnection, prefix });
  const logger = options.logger ?? pino({ level: 'silent' });
  const defaults = loadConfig({}).pools[0] as PoolSettings;
  const services = createAgentServices({ redis: connection, prefix, llm: loadConfig({}).llm });
  const finished = new FinishedTasks(connection, prefix, DEFAULT_FINISHED_RECORD_LIMITS, (err) =>
    logger.error({ err }, 'finished records'),
  );
  const failures = new FailureSettler({
    redis: connection,
    prefix,
    logger,
    defaultTimeoutMs: 60_000,
    maxHoldMs: options.maxHoldMs ?? 60_000,
  });
  const tenantSlots = new TenantSlots({
    redis: connection,
    tenants: options.tenants ?? {},
    queueFor: () => queue,
    logger,
    parkMs: options.parkMs,
  });
  const worker = new PoolWorker({
    settings: { ...defaults, concurrency: 4, drainTimeoutMs: 5000, ...options.settings },
    processor: tenantSlots.wrap(
      createTaskProcessor({
        registry: new AgentRegistry([...builtinAgents, ...(options.agents ?? [])]),
        logger,
        defaultTimeoutMs: 60_000,
        failures,
        redis: connection,
        prefix,
        isolation: options.isolation,
        cancels: options.cancels,
        services,
      }),
    ),
    connection,
    prefix,
    workerName: `test:${process.pid}`,
    backoff: options.backoff ?? { baseMs: 10, capMs: 100 },
    metrics: options.metrics ?? new WorkerMetrics(),
    logger,
    clientErrors: new ClientErrors(),
    failures,
    finished,
  });

  return {
    prefix,
    connection,
    queue,
    events,
    worker,
    finished,
    async start(): Promise<void> {
      await events.waitUntilReady();
      await worker.start();
    },
    /** Waits for the task to finish, whatever the outcome, and reads it back. */
    async settle(job: Job) {
      await job.waitUntilFinished(events).catch(() => undefined);
      const stored = (await queue.getJob(job.id ?? '')) as Job<TaskJobData>;
      return toTaskView(stored, await stored.getState(), 'default');
    },
    async stop(): Promise<void> {
      await worker.close();
      await finished.flush();
      await services.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await deleteKeysByPrefix(connection, prefix);
      await Promise.all([connection, eventsConnection].map((client) => client.quit()));
    },
  };
}
