import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  AgentRegistry,
  agentModuleUrl,
  builtinAgents,
  createAgentServices,
  loadAgentModules,
} from '@agentq/agents';
import {
  ClientErrors,
  FinishedTasks,
  WorkflowEngine,
  closeRedis,
  createRedis,
  formatWorkerName,
  loadConfigOrExit,
  workerConnectionName,
} from '@agentq/queue';
import { CancelListener } from './cancel-listener.js';
import { checkIsolatedAgents, loadConfig } from './config.js';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { HealthServer } from './health-server.js';
import { WorkerMetrics } from './metrics.js';
import { PoolWorker } from './pool-worker.js';
import { createTaskProcessor, type PoolHooks } from './run-task.js';
import {
  StepQueues,
  recoverStrandedCreates,
  settleFailedStep,
  withWorkflowSteps,
} from './workflow-steps.js';

/** Past the longest drain, a shutdown that still hangs (Redis gone) exits anyway. */
const SHUTDOWN_MARGIN_MS = 15_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker', loadConfig, process.env);
  const logger = pino({ level: config.logLevel, base: { app: 'worker', pid: process.pid } });
  // Heard from the first moment: a signal while plugins load (before any task can run) stops
  // the process at once and cleanly, instead of by the signal's default action. Once the
  // parts exist, the drain below takes over.
  let onSignal = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, 'stopped before start');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => onSignal(signal));
  process.once('SIGINT', (signal) => onSignal(signal));

  // Shown by getWorkers and stored as each task's processedBy: who, where and how many slots.
  const workerName = formatWorkerName({
    identity: config.workerName ?? hostname(),
    pid: process.pid,
    slots: new Map(config.pools.map((settings) => [settings.pool, settings.concurrency])),
  });
  // Named after the worker: while it is connected, no other worker takes its tasks over.
  const connection = createRedis(config.redisUrl, 'worker', workerConnectionName(workerName));
  const subscriber = createRedis(config.redisUrl, 'worker', 'agentq-worker-cancel');
  const agentsConnection = createRedis(config.redisUrl, 'worker', 'agentq-worker-agents');
  const clientErrors = new ClientErrors();
  clientErrors.watch([connection, subscriber, agentsConnection], (err) =>
    logger.warn({ err: err.message }, 'redis connection error'),
  );

  const metrics = new WorkerMetrics();
  // A plugin that does not load stops the start, naming the module.
  const plugins = await loadAgentModules(config.agentModules, process.cwd());
  const services = createAgentServices({
    redis: agentsConnection,
    prefix: config.prefix,
    llm: config.llm,
    http: config.agentHttp,
    metrics: metrics.registry,
    tenants: config.tenants,
  });
  // The listener aborts tasks on the pool workers, and the processor asks it whether a task
  // was cancelled before it started; the workers join its targets once they exist.
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
  loadConfigOrExit(
    'worker',
    () => checkIsolatedAgents(config.isolatedAgents, registry.names()),
    process.env,
  );
  const taskProcessor = createTaskProcessor({
    registry,
    services,
    logger,
    defaultTimeoutMs: config.defaultTimeoutMs,
    maxHoldMs: config.maxHoldMs,
    redis: connection,
    prefix: config.prefix,
    cancels,
    isolation: {
      agents: config.isolatedAgents,
      // Where the threads import agents from: the built-ins, then the plugins.
      moduleUrls: [
        import.meta.resolve('@agentq/agents'),
        ...config.agentModules.map((specifier) => agentModuleUrl(specifier, process.cwd())),
      ],
    },
  });
  const processor = (hooks: PoolHooks) => withWorkflowSteps(workflows, taskProcessor(hooks));
  const pools = config.pools.map((settings) => settings.pool);
  const finished = new FinishedTasks(connection, config.prefix, config.finishedRecords, (err) =>
    logger.warn({ err }, 'could not write finished-task records'),
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
        onTaskFailed: (job) => settleFailedStep(workflows, job),
        finished,
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
  let draining = false;
  let stopRecovery = () => {};
  const http = new HealthServer({
    ...config.http,
    registry: metrics.registry,
    isReady: () =>
      !draining && connection.status === 'ready' && workers.every((worker) => worker.isRunning()),
  });

  // Listening (and the cancels on record loaded) first: then no task needs a Redis lookup
  // before it starts. A shutdown that began meanwhile stops the start at its next step.
  let poolsStarted = false;
  const start = async (): Promise<void> => {
    await cancels.start();
    if (draining) return;
    // Settled only once every pool's start has: a pool worker made after another pool's
    // start failed must not escape the shutdown's closes.
    const starts = await Promise.allSettled(workers.map((worker) => worker.start()));
    const failed = starts.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    poolsStarted = true;
    if (draining) return;
    monitor.start();
    stopRecovery = recoverStrandedCreates(workflows, logger);
    const httpPort = config.http.port > 0 ? await http.start() : undefined;
    if (draining) return;
    logger.info({ pools: config.pools, workerName, httpPort }, 'ready');
  };
  let startup = Promise.resolve();

  const connections = [connection, subscriber, agentsConnection];
  const shutdown = (signal: NodeJS.Signals | 'parent exited'): void => {
    if (draining) return;
    draining = true;
    const drainMs = Math.max(...config.pools.map((settings) => settings.drainTimeoutMs));
    logger.info({ signal, drainTimeoutMs: drainMs }, 'draining');
    setTimeout(() => {
      logger.error('shutdown did not finish; exiting');
      process.exit(1);
    }, drainMs + SHUTDOWN_MARGIN_MS).unref();
    void (async () => {
      stopRecovery();
      // Until every pool worker has started, the start may wait on Redis: it gives up. Once
      // they have, only their tasks are left to drain, through a Redis blip if need be.
      const poolsStarting = !poolsStarted;
      if (poolsStarting) connections.forEach(giveUpOnRedis);
      // Cancels keep working while running tasks drain; the listener closes after them.
      await Promise.all(workers.map((worker) => worker.close()));
      await finished.flush();
      // A start under way ends now: Redis answered it, or its connections gave up (and the
      // closes above ended its waits on the pool workers). A pool worker it started after
      // those closes (its Redis call was answered meanwhile) is closed in turn.
      await startup;
      if (poolsStarting) await Promise.all(workers.map((worker) => worker.close()));
      await cancels.close();
      monitor.close();
      await http.close();
      await services.close();
      await stepQueues.close();
      await Promise.all(connections.map(closeRedis));
      logger.info('stopped');
    })();
  };
  onSignal = shutdown;
  logger.info({ pools }, 'starting');

  // A start that fails because a shutdown dropped its connections is part of the shutdown.
  startup = start().catch((err: unknown) => {
    if (!draining) throw err;
    logger.info({ err: err instanceof Error ? err.message : String(err) }, 'start given up');
  });
  await startup;
  // A start that did not end in `ready` ended because a shutdown began (or it threw).
  if (draining) return;
  // Started by a local scaler (over an IPC channel): when the scaler dies, even by SIGKILL,
  // the channel closes; drain and exit rather than run on as an orphan no scaler counts.
  if (process.send) {
    if (process.connected) {
      process.once('disconnect', () => shutdown('parent exited'));
      process.channel?.unref(); // after the listener, which would keep the process alive
    } else {
      shutdown('parent exited'); // it died while this one started
    }
  }
}

/**
 * For a start that a shutdown interrupts: while Redis is away (or does not answer), the start
 * would wait on it for ever. The connection stops reconnecting (ioredis reads retryStrategy
 * at each close), and one not ready is dropped, so what waits on it fails ("Connection is
 * closed") now, or at its pending reconnect attempt if that fails too.
 */
function giveUpOnRedis(redis: Redis): void {
  redis.options.retryStrategy = () => null;
  if (redis.status === 'connecting' || redis.status === 'connect') redis.disconnect();
}

await main();
