import { closeRedis, createRedis, onReadiness } from '../src/connection.js';
import { REDIS_URL } from './redis-test-env.js';

describe(onReadiness.name, () => {
  it('reports ready once connected, not ready when the connection drops, ready again after', async () => {
    const redis = createRedis(REDIS_URL, 'worker', 'test-readiness');
    const reports: boolean[] = [];
    onReadiness(redis, (ready) => reports.push(ready));
    try {
      await new Promise((resolve) => redis.once('ready', resolve));
      expect(reports).toEqual([false, true]);
      const dropped = new Promise((resolve) => redis.once('close', resolve));
      // Closed by Redis, as in an outage: ioredis reconnects by itself.
      const id = String(await redis.client('ID'));
      const killer = createRedis(REDIS_URL, 'worker', 'test-readiness-killer');
      await killer.call('CLIENT', 'KILL', 'ID', id);
      await closeRedis(killer);
      await dropped;
      expect(reports.at(-1)).toBe(false);
      await new Promise((resolve) => redis.once('ready', resolve));
      expect(reports.at(-1)).toBe(true);
    } finally {
      await closeRedis(redis);
    }
  });
});
