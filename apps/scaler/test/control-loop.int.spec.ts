import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createRedis, createTaskQueues } from '@agentq/queue';
import { ControlLoop } from '../src/control-loop.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `agentq-test-scaler-${randomUUID().slice(0, 8)}`;
const redis = createRedis(REDIS_URL, 'worker', 'test-scaler');
const queues = createTaskQueues(['default', 'large'], { connection: redis, prefix });

afterAll(async () => {
  for (const queue of queues.values()) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await redis.quit();
});

describe(ControlLoop.name, () => {
  it('reads the counts of every pool', async () => {
    await queues.get('default')?.add('echo', {}, { priority: 3 });
    await queues.get('default')?.add('echo', {}, { delay: 60_000 });
    await queues.get('large')?.add('echo', {});
    const loop = new ControlLoop({ queues, intervalMs: 1000, logger: pino({ level: 'silent' }) });
    const observation = await loop.observe();
    expect(observation.get('default')).toMatchObject({ prioritized: 1, delayed: 1, waiting: 0 });
    expect(observation.get('large')).toMatchObject({ waiting: 1, prioritized: 0 });
  });
});
