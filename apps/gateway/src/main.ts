import { pino } from 'pino';
import { AgentRegistry, builtinAgents, loadAgentModules } from '@agentq/agents';
import type { PoolName } from '@agentq/contracts';
import {
  ClientErrors,
  closeRedis,
  createRedis,
  loadConfigOrExit,
  onReadiness,
  openTaskQueues,
  watchLateStarts,
} from '@agentq/queue';
import { startTracing, traceLogFields } from '@agentq/telemetry';
import { loadConfig } from './config.js';
import { createGateway } from './create-gateway.js';
import { GatewayMetrics } from './metrics.js';
import { LOG_REDACTION } from './http/log-redaction.js';
import { shutdownGateway } from './shutdown.js';

/** The longest a shutdown may take after its delay before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 10_000;
const REDIS_STARTUP_WAIT_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfigOrExit('gateway', loadConfig, process.env);
  const tracing = startTracing('agentq-gateway', process.env);
  const logger = pino({
    level: config.logLevel,
    base: { app: 'gateway' },
    redact: LOG_REDACTION,
    mixin: traceLogFields,
  });
  if (config.auth === 'off') {
    logger.warn('AGENTQ_AUTH=off: no API keys checked, every request acts as tenant "default"');
  }
  const redis = createRedis(config.redis, 'client', 'agentq-gateway');
  const clientErrors = new ClientErrors();
  clientErrors.watch([redis], (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const onQueueError = (pool: PoolName, err: Error) => {
    if (!clientErrors.has(err)) logger.warn({ pool, err: err.message }, 'queue error');
  };
  // The gateway validates plugin agents' input too, so it loads the same modules.
  const plugins = await loadAgentModules(config.agentModules, process.cwd());
  const registry = new AgentRegistry([...builtinAgents, ...plugins], config.agentDeployment);

  // Serve once Redis is ready and every pool's queue has started, so the first requests are
  // not refused; if Redis stays away, serve anyway: /ready answers 503 and submits 503 until
  // it is back.
  const { queues, ready, error } = await openTaskQueues(
    config.pools,
    { connection: redis, prefix: config.prefix },
    REDIS_STARTUP_WAIT_MS,
    onQueueError,
  );
  if (!ready) {
    logger.warn(
      { waitedMs: REDIS_STARTUP_WAIT_MS, err: error?.message },
      'Redis not ready yet; serving anyway',
    );
  }
  const app = await createGateway({
    config,
    logger,
    redis,
    queues,
    registry,
    tracing: tracing.enabled,
  });
  const metrics = app.get(GatewayMetrics);
  onReadiness(redis, (ready) => metrics.redisUp.set(ready ? 1 : 0));
  await app.listen({ port: config.port, host: config.host });
  const url = await app.getUrl();

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + SHUTDOWN_DEADLINE_MS).unref();
    void shutdownGateway({
      app,
      logger,
      delayMs: config.shutdownDelayMs,
      closeRest: async () => {
        await Promise.all([...queues.values()].map((queue) => queue.close()));
        await closeRedis(redis);
        await tracing.shutdown();
      },
    }).then(() => logger.info('stopped'));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // A queue still waiting for Redis when the wait ended, whose start then fails, would fail
  // every submit to its pool until a restart: stop (exit code 1) so that the gateway is
  // restarted rather than serve a broken pool.
  watchLateStarts(queues, (pool, err) => {
    if (closing) return;
    logger.error({ pool, err: err.message }, 'a queue failed to start; stopping to be restarted');
    process.exitCode = 1;
    shutdown('SIGTERM');
  });

  logger.info(
    { url, pools: config.pools, apiKeys: config.apiKeys.length, tracing: tracing.enabled },
    'ready',
  );
}

await main();
