import { pino } from 'pino';
import { loadConfigOrExit, createRedis, createTaskQueues } from '@agentq/queue';
import { loadConfig } from './config.js';
import { ControlLoop } from './control-loop.js';

function main(): void {
  const config = loadConfigOrExit('scaler', loadConfig, process.env);
  const logger = pino({ level: config.logLevel, base: { app: 'scaler' } });
  const redis = createRedis(config.redisUrl, 'worker', 'agentq-scaler');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createTaskQueues(config.pools, { connection: redis, prefix: config.prefix });
  const loop = new ControlLoop({ queues, intervalMs: config.intervalMs, logger });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    void (async () => {
      await loop.close();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      await redis.quit().catch(() => redis.disconnect());
      logger.info('stopped');
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  loop.start();
  logger.info({ pools: config.pools, intervalMs: config.intervalMs }, 'ready');
}

main();
