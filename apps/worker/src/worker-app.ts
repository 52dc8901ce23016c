import { hostname } from 'node:os';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import {
  AgentRegistry,
  agentModuleUrl,
  builtinAgents,
  createAgentServices,
  loadAgentModules,
  type AgentServices,
} from '@agentq/agents';
import {
  ClientErrors,
  closeRedis,
  createRedis,
  FinishedTasks,
  PoolRollups,
  formatWorkerName,
  onReadiness,
  type RedisClient,
  workerConnectionName,
  WorkflowEngine,
} from '@agentq/queue';
import { CancelListener } from './cancel-listener.js';
import { checkIsolatedAgents, type WorkerConfig } from './config.js';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { HealthServer } from './health-server.js';
import { WorkerMetrics } from './metrics.js';
import { PoolWorker } from './pool-worker.js';
import { createTaskProcessor } from './run-task.js';
import { FailureSettler } from './settle-failure.js';
import { StepQueues, recoverStrandedCreates, withWorkflowSteps } from './workflow-steps.js';
import { TenantSlots } from './tenant-slots.js';

/** What a worker process is made of, built by {@link WorkerApp.create}. */
interface WorkerParts {
  /** Shown by getWorkers and stored as each task's processedBy. */
  workerName: string;
  /** The worker's own connection first (named after it), then the cancel subscriber's and the agents'. */
  connections: readonly RedisClient[];
  services: AgentServices;
  cancels: CancelListener;
  stepQueues: StepQueues;
  workflows: WorkflowEngine;
  finished: FinishedTasks;
  rollups: PoolRollups;
  workers: readonly PoolWorker[];
  monitor: EventLoopMonitor;
  http: HealthServer;
}

/** Where a worker app is in its life; it only moves forward. */
type Phase = 'created' | 'starting' | 'running' | 'closing';

/**
 * The worker process's parts, wired from its config: one pool worker per pool served, the
 * cancel listener, the workflow engine, the health server, the event-loop monitor. `start`
 * brings them up in order; `close` drains and closes them, from any point of the start.
 */
export class WorkerApp {
  private phase: Phase = 'created';
  /** Whether every pool worker's start settled: from then on, only drains are left. */
  private poolsStarted = false;
  private startup: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;
  private stopRecovery = (): void => undefined;

  private constructor(
    private readonly config: WorkerConfig,
    private readonly logger: Logger,
    private readonly parts: WorkerParts,
  ) {}

  /**
   * Builds every part. Plugins load here: one that does not load fails the start, naming the
   * module; an isolated agent that no module has fails it with a ConfigError.
   */
  static async create(config: WorkerConfig, logger: Logger): Promise<WorkerApp> {
    // Shown by getWorkers and stored as each task's processedBy: who, where and how many slots.
    const workerName = formatWorkerName({
      identity: config.workerName ?? hostname(),
      pid: process.pid,
      slots: new Map(config.pools.map((settings) => [settings.pool, settings.concurrency])),
    });
    // Named after the worker: while it is connected, no other worker takes its tasks over.
    const connection = createRedis(config.redis, 'worker', workerConnectionName(workerName));
    const subscriber = createRedis(config.redis, 'worker', 'agentq-worker-cancel');
    const agentsConnection = createRedis(config.redis, 'worker', 'agentq-worker-agents');
    const clientErrors = new ClientErrors();
    clientErrors.watch([connection, subscriber, agentsConnection], (err) =>
      logger.warn({ err: err.message }, 'redis connection error'),
    );

    const metrics = new WorkerMetrics();
    onReadiness(connection, (ready) => metrics.redisUp.set(ready ? 1 : 0));
    const plugins = await loadAgentModules(config.agentModules, process.cwd());
    const services = createAgentServices({
      redis: agentsConnection,
      prefix: config.prefix,
      llm: config.llm,
      http: config.agentHttp,
      metrics: metrics.registry,
      tenants: config.tenants,
    });
    // The listener aborts tasks on the pool workers, and the processor asks it whether a
    // task was cancelled before it started; the workers join its targets once they exist.
    const cancelTargets: PoolWorker[] = [];
    const cancels = new CancelListener({
      subscriber,
      redis: connection,
      prefix: config.prefix,
      targets: cancelTargets,
      logger,
    });
    const stepQueues = new StepQueues({
      connection,
      prefix: config.prefix,
      hearErrors: (pool, queue) =>
        clientErrors.hear(queue, (err) => logger.warn({ pool, err: err.message }, 'queue error')),
    });
    const workflows = new WorkflowEngine({
      redis: connection,
      prefix: config.prefix,
      queueFor: (pool) => stepQueues.get(pool),
    });
    const registry = new AgentRegistry([...builtinAgents, ...plugins]);
    // Plugins are known only now: a misspelt isolated agent stops the start as bad config does.
    checkIsolatedAgents(config.isolatedAgents, registry.names());
    const failures = new FailureSettler({
      redis: connection,
      prefix: config.prefix,
      logger,
      defaultTimeoutMs: config.defaultTimeoutMs,
      maxHoldMs: config.maxHoldMs,
      workflows,
    });
    const taskProcessor = createTaskProcessor({
      registry,
      services,
      logger,
      defaultTimeoutMs: config.defaultTimeoutMs,
      failures,
      redis: connection,
      prefix: config.prefix,
      cancels,
      isolation: {
        agents: config.isolatedAgents,
        pluginUrls: config.agentModules.map((specifier) =>
          agentModuleUrl(specifier, process.cwd()),
        ),
      },
    });
    const tenantSlots = new TenantSlots({
      redis: connection,
      tenants: config.tenants,
      queueFor: (pool) => stepQueues.get(pool),
      logger,
    });
    // The tenant's limit first: a parked step has not started its workflow's step yet.
    const processor = tenantSlots.wrap(withWorkflowSteps(workflows, taskProcessor));
    const finished = new FinishedTasks(connection, config.prefix, config.finishedRecords, (err) =>
      logger.warn({ err }, 'could not write finished-task records'),
    );
    const rollups = new PoolRollups(connection, config.prefix, (err) =>
      logger.warn({ err }, 'could not write pool rollups'),
    );
    const workers = config.pools.map(
      (settings) =>
        new PoolWorker({
          settings,
          processor,
          connection,
          prefix: config.prefix,
          workerName,
          backoff: config.backoff,
          metrics,
          logger,
          clientErrors,
          failover: config.failover,
          failures,
          finished,
          rollups,
        }),
    );
    cancelTargets.push(...workers);
    const monitor = new EventLoopMonitor({
      warnMs: config.stallWarnMs,
      lockDurationMs: Math.min(...config.pools.map((settings) => settings.lockDurationMs)),
      tasksInFlight: () => workers.flatMap((worker) => worker.tasksInFlight()),
      metrics,
      logger,
    });
    const ready = { app: undefined as WorkerApp | undefined };
    const http = new HealthServer({
      ...config.http,
      registry: metrics.registry,
      isReady: () => ready.app?.isReady() ?? false,
    });
    ready.app = new WorkerApp(config, logger, {
      workerName,
      connections: [connection, subscriber, agentsConnection],
      services,
      cancels,
      stepQueues,
      workflows,
      finished,
      rollups,
      workers,
      monitor,
      http,
    });
    return ready.app;
  }

  /** The longest any pool drains: a close takes about this much at most. */
  get drainTimeoutMs(): number {
    return Math.max(...this.config.pools.map((settings) => settings.drainTimeoutMs));
  }

  get isClosing(): boolean {
    return this.phase === 'closing';
  }

  isReady(): boolean {
    const [connection] = this.parts.connections;
    return (
      this.phase === 'running' &&
      connection?.status === 'ready' &&
      this.parts.workers.every((worker) => worker.isRunning())
    );
  }

  /**
   * Listens for cancels (the ones on record loaded first: then no task needs a Redis lookup
   * before it starts), starts every pool, then the monitor, the recovery of stranded
   * workflows and the health server. A close that begins meanwhile stops it at its next step;
   * a start that fails because that close dropped its connections is part of the close.
   */
  async start(): Promise<void> {
    if (this.phase !== 'created') throw new Error('a worker app starts once');
    this.phase = 'starting';
    this.logger.info({ pools: this.config.pools.map((settings) => settings.pool) }, 'starting');
    this.startup = this.bringUp().catch((err: unknown) => {
      if (!this.isClosing) throw err;
      this.logger.info({ err: err instanceof Error ? err.message : String(err) }, 'start given up');
    });
    await this.startup;
  }

  private async bringUp(): Promise<void> {
    await this.parts.cancels.start();
    if (this.isClosing) return;
    // Settled only once every pool's start has: a pool worker made after another pool's
    // start failed must not escape the close.
    const starts = await Promise.allSettled(this.parts.workers.map((worker) => worker.start()));
    const failed = starts.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    this.poolsStarted = true;
    if (this.isClosing) return;
    this.parts.monitor.start();
    this.stopRecovery = recoverStrandedCreates(this.parts.workflows, this.logger);
    const httpPort = this.config.http.port > 0 ? await this.parts.http.start() : undefined;
    if (this.isClosing) return;
    this.phase = 'running';
    this.logger.info(
      { pools: this.config.pools, workerName: this.parts.workerName, httpPort },
      'ready',
    );
  }

  /**
   * Drains: pool workers stop taking tasks and give the running ones their drain time, then
   * everything closes. Cancels keep working while tasks drain. Once; later calls share it.
   */
  close(reason: string): Promise<void> {
    this.closed ??= this.drain(reason);
    return this.closed;
  }

  private async drain(reason: string): Promise<void> {
    this.phase = 'closing';
    this.logger.info({ signal: reason, drainTimeoutMs: this.drainTimeoutMs }, 'draining');
    this.stopRecovery();
    // Until every pool worker has started, the start may wait on Redis: it gives up. Once
    // they have, only their tasks are left to drain, through a Redis blip if need be.
    const poolsStarting = !this.poolsStarted;
    if (poolsStarting) this.parts.connections.forEach(giveUpOnRedis);
    await Promise.all(this.parts.workers.map((worker) => worker.close()));
    await this.parts.finished.flush();
    await this.parts.rollups.flush();
    // A start under way ends now: Redis answered it, or its connections gave up (and the
    // closes above ended its waits on the pool workers). A pool worker it started after
    // those closes (its Redis call was answered meanwhile) is closed in turn.
    await this.startup;
    if (poolsStarting) await Promise.all(this.parts.workers.map((worker) => worker.close()));
    await this.parts.cancels.close();
    this.parts.monitor.close();
    await this.parts.http.close();
    await this.parts.services.close();
    await this.parts.stepQueues.close();
    await Promise.all(this.parts.connections.map(closeRedis));
    this.logger.info('stopped');
  }
}

/**
 * For a start that a close interrupts: while Redis is away (or does not answer), the start
 * would wait on it for ever. The connection stops reconnecting (ioredis reads retryStrategy
 * at each close), and one not ready is dropped, so what waits on it fails ("Connection is
 * closed") now, or at its pending reconnect attempt if that fails too.
 */
function giveUpOnRedis(redis: RedisClient): void {
  if (redis instanceof Cluster) redis.options.clusterRetryStrategy = () => null;
  else redis.options.retryStrategy = () => null;
  if (redis.status === 'connecting' || redis.status === 'connect') redis.disconnect();
}
