import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Priority, type PriorityLevel } from '@agentq/contracts';
import {
  closeRedis,
  createRedis,
  createTaskQueue,
  deleteKeysByPrefix,
  jobInsert,
} from '@agentq/queue';
import type { GatewayConfig } from '../src/config.js';
import { PoolInserts, type PoolJob } from '../src/admission/pool-inserts.js';

/*
 * Fair sharing as the workers see it: the order of a pool's prioritized set (BullMQ runs the
 * lowest score first), after tasks of several tenants were queued through the pool inserts.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = createRedis(REDIS_URL, 'worker', 'test-fair-share');
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await deleteKeysByPrefix(redis, prefix);
  await closeRedis(redis);
});

/** A pool of its own, and a way to queue tenants' tasks into it fairly. */
function pool() {
  const prefix = `agentq-test-fair-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const queue = createTaskQueue('default', { connection: redis, prefix });
  const config = { prefix, ackReplicas: { count: 0, timeoutMs: 0 } } as GatewayConfig;
  const inserts = new PoolInserts(config, redis);
  let made = 0;
  const job = (tenant: string, weight = 1, level: PriorityLevel = 'normal'): PoolJob => {
    const taskId = `${tenant}-${made++}`;
    const insert = jobInsert(
      queue,
      'echo',
      { tenant },
      { jobId: taskId, priority: Priority[level] },
    );
    return { pool: 'default', taskId, insert, fair: { tenant, weight } };
  };
  const prioritized = queue.keys.prioritized ?? queue.toKey('prioritized');
  return {
    queue,
    job,
    /** Queues the jobs, one call each, in order. */
    async submit(jobs: PoolJob[]) {
      for (const one of jobs) await inserts.queue([one]);
    },
    /** Task ids in the order the workers take them. */
    order: () => redis.zrange(prioritized, '0', '-1'),
    /** Takes the next task, as a worker would (ZPOPMIN); its tenant. */
    async take(): Promise<string | undefined> {
      const [id] = await redis.zpopmin(prioritized);
      return id?.slice(0, id.lastIndexOf('-'));
    },
    close: () => queue.close(),
  };
}

const tenantOf = (id: string) => id.slice(0, id.lastIndexOf('-'));

/** How many of the first `n` ids each tenant has. */
function shares(ids: readonly string[], n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of ids.slice(0, n)) counts[tenantOf(id)] = (counts[tenantOf(id)] ?? 0) + 1;
  return counts;
}

describe('fair sharing within a pool', () => {
  it("puts a tenant's one task ahead of another tenant's flood", async () => {
    const fair = pool();
    try {
      await fair.submit(Array.from({ length: 300 }, () => fair.job('flood')));
      // Workers took some of the flood meanwhile.
      for (let i = 0; i < 20; i++) await fair.take();
      await fair.submit([fair.job('one')]);
      const order = await fair.order();
      expect(order.indexOf('one-300')).toBeLessThanOrEqual(1);
    } finally {
      await fair.close();
    }
  });

  it('shares by weight between two flooding tenants', async () => {
    const fair = pool();
    try {
      const jobs: PoolJob[] = [];
      for (let i = 0; i < 400; i++) jobs.push(fair.job('heavy', 3), fair.job('light', 1));
      await fair.submit(jobs);
      expect(shares(await fair.order(), 200)).toEqual({ heavy: 150, light: 50 });
    } finally {
      await fair.close();
    }
  });

  it('keeps priorities strict: fairness orders tasks within a level only', async () => {
    const fair = pool();
    try {
      await fair.submit([
        ...Array.from({ length: 50 }, () => fair.job('flood')),
        fair.job('other', 1, 'low'),
        fair.job('flood', 1, 'critical'),
        fair.job('other'),
      ]);
      const order = await fair.order();
      expect(order[0]).toBe('flood-51');
      // Within `normal`, the other tenant's task is next but for the flood's head.
      expect(order.indexOf('other-52')).toBeLessThanOrEqual(2);
      expect(order.at(-1)).toBe('other-50');
    } finally {
      await fair.close();
    }
  });

  it('places a task BullMQ queues by itself (a retry coming due) near the head, not behind a flood', async () => {
    const fair = pool();
    try {
      await fair.submit(Array.from({ length: 200 }, () => fair.job('flood')));
      await fair.queue.add('echo', {}, { jobId: 'retried', priority: Priority.normal });
      expect((await fair.order()).indexOf('retried')).toBeLessThanOrEqual(2);
    } finally {
      await fair.close();
    }
  });

  it('converges to the weights and skips no tenant, whatever the arrivals (property)', async () => {
    const tenants = ['t0', 't1', 't2'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.constantFrom(...tenants), { minLength: 60, maxLength: 120 }),
        async (weights, arrivals) => {
          const fair = pool();
          try {
            const weightOf = (tenant: string) => weights[tenants.indexOf(tenant)] ?? 1;
            // Every tenant backlogged (a flood each), then arrivals in any order, with a worker
            // taking a task after every few.
            await fair.submit(
              tenants.flatMap((tenant) =>
                Array.from({ length: 40 }, () => fair.job(tenant, weightOf(tenant))),
              ),
            );
            const taken: string[] = [];
            for (const [i, tenant] of arrivals.entries()) {
              await fair.submit([fair.job(tenant, weightOf(tenant))]);
              if (i % 2 === 0) taken.push((await fair.take()) ?? '');
            }
            // While all are backlogged, each tenant's share of the tasks taken stays within
            // two tasks of its weight's share.
            const total = weights.reduce((sum, w) => sum + w, 0);
            for (const tenant of tenants) {
              const got = taken.filter((one) => one === tenant).length;
              const due = (taken.length * weightOf(tenant)) / total;
              expect(Math.abs(got - due)).toBeLessThanOrEqual(2);
            }
            // A newcomer's one task is next but for at most one task per other tenant.
            await fair.submit([fair.job('newcomer', 1)]);
            const order = await fair.order();
            expect(order.findIndex((id) => tenantOf(id) === 'newcomer')).toBeLessThan(
              tenants.length + 1,
            );
          } finally {
            await fair.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
