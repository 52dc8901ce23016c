import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { startTracing, traceLogFields } from '@agentq/telemetry';
import type { PoolName } from '@agentq/contracts';
import {
  ApiKeyStore,
  ClientErrors,
  closeRedis,
  createRedis,
  createTaskQueues,
  loadConfigOrExit,
  onReadiness,
  type RedisClient,
} from '@agentq/queue';
import type { Actuator, BusyWorkers } from './actuators/actuator.js';
import { LocalActuator } from './actuators/local.actuator.js';
import { NoopActuator } from './actuators/noop.actuator.js';
import { loadConfig, type ScalerConfig } from './config.js';
import { ControlLoop } from './control-loop.js';
import { DecisionHistory } from './decision-history.js';
import { DecisionStore } from './decision-store.js';
import { LeaderLease } from './leader-lease.js';
import { ScalerMetrics } from './metrics.js';
import { readBusyWorkers, readPool } from './observe.js';
import { PinStore } from './pin-store.js';
import { StatusServer } from './status-server.js';

/** Most active tasks read to tell busy workers from idle ones (more: unknown). */
const BUSY_SCAN_LIMIT = 1000;
/** How long close() waits for draining local workers before SIGKILL. */
const WORKER_CLOSE_TIMEOUT_MS = 60_000;
/** Everything must have stopped this long after SIGTERM. */
const SHUTDOWN_DEADLINE_MS = WORKER_CLOSE_TIMEOUT_MS + 10_000;

async function createActuator(
  config: ScalerConfig,
  logger: pino.Logger,
  redis: RedisClient,
  queues: ReadonlyMap<PoolName, Queue>,
  decisions: DecisionStore,
  metrics: ScalerMetrics,
): Promise<Actuator> {
  // Who runs what, from BullMQ's `processedBy` (the worker's name) of the active tasks.
  const busyWorkers: BusyWorkers = (pool) => {
    const queue = queues.get(pool);
    return queue ? readBusyWorkers(queue, redis, BUSY_SCAN_LIMIT) : Promise.resolve(undefined);
  };
  switch (config.actuator) {
    case 'local':
      return new LocalActuator({
        pools: config.pools,
        workerScript: config.workerScript,
        env: process.env,
        concurrency: config.policy.concurrency,
        // At least info: the workers' `ready` line tells the actuator they serve.
        workerLogLevel: logger.isLevelEnabled('info') ? config.logLevel : 'info',
        busyWorkers,
        restartBackoffMs: config.restartBackoffMs,
        // Dropped unless asked for: the scaler's own lines (decisions) must stand out.
        forward: config.inheritChildLogs
          ? {
              write: (line) => process.stdout.write(line),
              minLevel: logger.levels.values[config.logLevel] ?? 30,
            }
          : null,
        closeTimeoutMs: WORKER_CLOSE_TIMEOUT_MS,
        metrics,
        logger,
      });
    case 'kubernetes':
    case 'keda': {
      // Loaded only when used: the client takes over a second to import.
      const { KubeConfig } = await import('@kubernetes/client-node');
      const { KubernetesActuator } = await import('./actuators/kubernetes.actuator.js');
      // In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config.
      const kubeConfig = new KubeConfig();
      try {
        kubeConfig.loadFromDefault();
      } catch (error) {
        throw new Error(`cannot load the Kubernetes configuration: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return new KubernetesActuator({
        kubeConfig,
        ...config.kubernetes,
        // Workers named after their pod (AGENTQ_WORKER_NAME) tell which pods are idle.
        busyWorkers,
        mode: config.actuator === 'keda' ? 'mark-only' : 'resize',
        logger,
      });
    }
    case 'none':
      return new NoopActuator((pool) => decisions.latest(pool).then((last) => last?.desired));
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('scaler', loadConfig, process.env);
  const tracing = startTracing('agentq-scaler', process.env);
  const logger = pino({
    level: config.logLevel,
    base: { app: 'scaler', pid: process.pid },
    mixin: traceLogFields,
  });
  const redis = createRedis(config.redis, 'worker', 'agentq-scaler');
  const clientErrors = new ClientErrors();
  clientErrors.watch([redis], (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createTaskQueues(config.pools, { connection: redis, prefix: config.prefix });
  for (const [pool, queue] of queues) {
    clientErrors.hear(queue, (err) => logger.warn({ pool, err: err.message }, 'queue error'));
  }

  const metrics = new ScalerMetrics();
  onReadiness(redis, (ready) => metrics.redisUp.set(ready ? 1 : 0));
  const pins = new PinStore(redis, config.prefix);
  // Outlives a leader's death and the takeover by far; then no answer beats a stale one.
  const history = new DecisionHistory(redis, config.prefix, config.history);
  const decisions = new DecisionStore(
    redis,
    config.prefix,
    Math.max(30_000, 10 * config.intervalMs, 3 * config.leaseTtlMs),
    (multi, record) => history.append(multi, record),
  );
  const lease = new LeaderLease({
    redis,
    key: `${config.prefix}:scaler:leader`,
    ttlMs: config.leaseTtlMs,
    onChange: (leader) => metrics.leadershipChanges.inc({ change: leader ? 'acquired' : 'lost' }),
    logger,
  });
  const actuator = await createActuator(config, logger, redis, queues, decisions, metrics);
  const loop = new ControlLoop({
    pools: config.pools,
    read: (pool, now, since) => {
      const queue = queues.get(pool);
      if (!queue) throw new Error(`no queue for pool ${pool}`);
      return readPool(pool, queue, redis, now, since, config.durationSample);
    },
    readPins: (pools) => pins.read(pools),
    actuator,
    isLeader: () => lease.isLeader(),
    confirmLeader: () => lease.confirm(),
    fencingToken: () => lease.fencingToken(),
    policy: config.policy,
    schedule: config.schedule,
    intervalMs: config.intervalMs,
    rateHalfLifeS: config.rateHalfLifeS,
    metrics,
    publish: (record) => decisions.write(record),
    lastPublished: (pool) => decisions.latest(pool),
    logger,
  });
  const server = new StatusServer({
    host: config.httpHost,
    port: config.httpPort,
    pools: config.pools,
    loop,
    pins,
    decisions,
    history,
    metrics,
    isLeader: () => lease.isLeader(),
    ready: () =>
      redis.ping().then(
        () => true,
        () => false,
      ),
    maxReplicas: config.policy.maxReplicas,
    objectiveSeconds: config.policy.maxWaitS,
    keys: new ApiKeyStore(config.apiKeys),
    maxPinMs: config.maxPinMs,
    logger,
  });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    void (async () => {
      await loop.close();
      await actuator.close();
      await lease.close();
      await server.close();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await closeRedis(redis);
      await tracing.shutdown();
      clearTimeout(deadline);
      logger.info('stopped');
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await actuator.start();
  await lease.start();
  await server.start();
  loop.start();
  logger.info(
    {
      pools: config.pools,
      actuator: actuator.kind,
      port: server.port,
      leader: lease.isLeader(),
      intervalMs: config.intervalMs,
    },
    'ready',
  );
}

await main().catch((error: unknown) => {
  // Start-up failed (Kubernetes configuration, HTTP port in use ...): say why, exit 1.
  process.stderr.write(`scaler: ${(error as Error).message}\n`);
  process.exit(1);
});
