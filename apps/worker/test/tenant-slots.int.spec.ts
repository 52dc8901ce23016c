import { setTimeout as sleep } from 'node:timers/promises';
import { testAgent, testPool } from './pool-fixture.js';

/**
 * An agent that notes how many tasks of each tenant run at once (the tenant is its input)
 * and holds each run a moment, so runs overlap.
 */
function overlapAgent() {
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const runs: string[] = [];
  const agent = testAgent('test.overlap', async (input) => {
    const tenant = String(input);
    const now = (running.get(tenant) ?? 0) + 1;
    running.set(tenant, now);
    most.set(tenant, Math.max(most.get(tenant) ?? 0, now));
    runs.push(tenant);
    await sleep(100);
    running.set(tenant, (running.get(tenant) ?? 1) - 1);
    return tenant;
  });
  return { agent, most, runs };
}

const task = (tenant: string) => ({ v: 1, agent: 'test.overlap', input: tenant, tenant });

describe("a tenant's limit on tasks running at once in a pool", () => {
  it('keeps the tenant to its limit while the other tenants use the free slots', async () => {
    const overlap = overlapAgent();
    const pool = testPool('tenant-slots', {
      agents: [overlap.agent],
      settings: { concurrency: 6 },
      tenants: { capped: { maxRunning: 2 }, other: { maxRunning: { large: 1 } } },
      // Parked tasks come back only when a slot of their tenant frees.
      parkMs: 3_600_000,
    });
    await pool.start();
    try {
      const jobs = await Promise.all([
        ...Array.from({ length: 10 }, () => pool.queue.add('test.overlap', task('capped'))),
        ...Array.from({ length: 6 }, () => pool.queue.add('test.overlap', task('other'))),
      ]);
      const results = await Promise.all(jobs.map((job) => job.waitUntilFinished(pool.events)));
      expect(results.filter((r) => r === 'capped')).toHaveLength(10);
      // Each ran once: a parked task is not a run.
      expect(overlap.runs).toHaveLength(16);
      expect(overlap.most.get('capped')).toBe(2);
      // The other tenant's limit is for another pool: here it used the free slots.
      expect(overlap.most.get('other')).toBeGreaterThan(2);
      const parked = await pool.connection.zcard(
        `${pool.queue.qualifiedName}:agentq-tenant:capped:parked`,
      );
      expect(parked).toBe(0);
    } finally {
      await pool.stop();
    }
  });

  it('frees the slot of a task that failed, so the tenant is not left below its limit', async () => {
    let failures = 0;
    const flaky = testAgent('test.flaky', () => {
      failures += 1;
      return Promise.reject(new Error('bad luck'));
    });
    const pool = testPool('tenant-slots-fail', {
      agents: [flaky],
      tenants: { capped: { maxRunning: 1 } },
      parkMs: 3_600_000,
    });
    await pool.start();
    try {
      const jobs = await Promise.all(
        Array.from({ length: 4 }, () =>
          pool.queue.add(
            'test.flaky',
            { v: 1, agent: 'test.flaky', input: {}, tenant: 'capped' },
            {
              attempts: 1,
            },
          ),
        ),
      );
      for (const job of jobs) await expect(job.waitUntilFinished(pool.events)).rejects.toThrow();
      expect(failures).toBe(4);
    } finally {
      await pool.stop();
    }
  });
});
