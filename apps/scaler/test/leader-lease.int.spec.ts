import { pino } from 'pino';
import { createRedis, deleteKeysByPrefix, waitUntilReady } from '@agentq/queue';
import { LeaderLease } from '../src/leader-lease.js';
import { REDIS_URL, uniquePrefix } from './redis-env.js';

const prefix = uniquePrefix('lease');
const logger = pino({ level: 'silent' });

afterAll(async () => {
  const redis = createRedis(REDIS_URL, 'worker', 'test-cleanup');
  await deleteKeysByPrefix(redis, prefix);
  await redis.quit();
});

/** A lease on its own connection, and a promise of its next change of leadership. */
async function candidate(ttlMs: number) {
  const redis = createRedis(REDIS_URL, 'client', 'test-lease');
  await waitUntilReady(redis, 5000);
  let notify: (leader: boolean) => void = () => undefined;
  const lease = new LeaderLease({
    redis,
    key: `${prefix}:scaler:leader`,
    ttlMs,
    logger,
    onChange: (leader) => notify(leader),
  });
  const nextChange = () => new Promise<boolean>((resolve) => (notify = resolve));
  return { redis, lease, nextChange };
}

describe(LeaderLease.name, () => {
  it('lets one of two lead, hands over on close, and takes over from a dead leader', async () => {
    const a = await candidate(1000);
    const b = await candidate(1000);
    await a.lease.start();
    await b.lease.start();
    expect([a.lease.isLeader(), b.lease.isLeader()]).toEqual([true, false]);
    const firstToken = a.lease.fencingToken() ?? 0;

    // A releases on close: B leads at its next round (ttl / 3), with a higher token.
    const bLeads = b.nextChange();
    await a.lease.close();
    await a.redis.quit();
    expect(await bLeads).toBe(true);
    expect(b.lease.fencingToken()).toBeGreaterThan(firstToken);

    // B dies without releasing (its connection drops): C takes over within about one ttl.
    const c = await candidate(1000);
    await c.lease.start();
    expect(c.lease.isLeader()).toBe(false);
    const cLeads = c.nextChange();
    const bLost = b.nextChange();
    const diedAt = Date.now();
    b.redis.disconnect();
    expect(await cLeads).toBe(true);
    expect(Date.now() - diedAt).toBeLessThan(2000);
    // B steps down by itself once it cannot renew within the ttl.
    expect(await bLost).toBe(false);
    expect(b.lease.isLeader()).toBe(false);

    await b.lease.close();
    await c.lease.close();
    await c.redis.quit();
  });

  it('confirms its leadership in Redis before acting, and steps down when it was taken', async () => {
    const a = await candidate(60_000);
    await a.lease.start();
    expect(await a.lease.confirm()).toBe(true);
    // Another holder took the lease (say A was paused past its ttl) with a newer token.
    const lost = a.nextChange();
    await a.redis.set(`${prefix}:scaler:leader`, 'someone-else');
    await a.redis.incr(`${prefix}:scaler:leader:fence`);
    expect(await a.lease.confirm()).toBe(false);
    expect(await lost).toBe(false);
    expect(a.lease.isLeader()).toBe(false);
    await a.lease.close();
    await a.redis.quit();
  });
});
