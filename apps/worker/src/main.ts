import { pino } from 'pino';
import { AgentRegistry, builtinAgents } from '@agentq/agents';
import { loadConfigOrExit, createRedis } from '@agentq/queue';
import { loadConfig } from './config.js';
import { PoolWorker } from './pool-worker.js';
import { createTaskProcessor } from './run-task.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker', loadConfig, process.env);
  const logger = pino({ level: config.logLevel, base: { app: 'worker', pid: process.pid } });
  const connection = createRedis(config.redisUrl, 'worker', 'agentq-worker');
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const registry = new AgentRegistry(builtinAgents);
  const processor = createTaskProcessor({
    registry,
    logger,
    defaultTimeoutMs: config.defaultTimeoutMs,
  });
  const workers = config.pools.map(
    (pool) =>
      new PoolWorker({
        pool,
        processor,
        connection,
        prefix: config.prefix,
        concurrency: config.concurrency,
        lockDurationMs: config.lockDurationMs,
        stalledIntervalMs: config.stalledIntervalMs,
        logger,
      }),
  );

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal, drainTimeoutMs: config.drainTimeoutMs }, 'draining');
    // Past the deadline, running tasks are abandoned; their locks expire and another
    // worker takes them over, so nothing is lost.
    const deadline = setTimeout(() => {
      logger.warn('drain deadline passed; exiting without waiting');
      void Promise.all(workers.map((worker) => worker.close(true))).finally(() => {
        connection.disconnect();
        process.exit(1);
      });
    }, config.drainTimeoutMs);
    deadline.unref();
    void (async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      clearTimeout(deadline);
      await connection.quit().catch(() => connection.disconnect());
      logger.info('stopped');
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await Promise.all(workers.map((worker) => worker.start()));
  logger.info({ pools: config.pools, concurrency: config.concurrency }, 'ready');
}

await main();
