import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { SCOPES } from '@agentq/contracts';
import { jobInsert, type Principal } from '@agentq/queue';
import { gatewayKeys } from '../src/gateway-keys.js';
import { ApiError } from '../src/http/api-error.js';
import { IdempotencyConflict, SubmitGate, type GateTask } from '../src/admission/submit-gate.js';
import { useGateway } from './gateway-harness.js';

/** A principal as the auth guard makes it, with a task bucket of `burst` tasks. */
function principal(tenant: string, burst?: number): Principal {
  return {
    keyId: `key-${tenant}`,
    tenant,
    scopes: new Set(SCOPES),
    rateLimit: undefined,
    taskRateLimit: burst === undefined ? undefined : { perMinute: 1, burst },
  };
}

describe('submit gate', () => {
  const gateway = useGateway({ AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: '100' });

  const queue = () => {
    const found = gateway.queues.get('default');
    if (!found) throw new Error('the default pool has no queue');
    return found;
  };

  /** A one-task submit of `tenant`, with an idempotency key's spec hash when given. */
  function single(tenant: string, idempotencyHash?: string): { tenant: string; task: GateTask } {
    const id = randomUUID();
    const insert = jobInsert(queue(), 'echo', { tenant }, { jobId: id, priority: 2 });
    return {
      tenant,
      task: { id, jobKey: queue().toKey(id), pool: 'default', idempotencyHash, delayMs: 0, insert },
    };
  }

  it('judges the single submits of one turn in one call, each on its own', async () => {
    const gate = gateway.app.get(SubmitGate);
    const sent = jest.spyOn(gateway.redis, 'sendCommand');
    const scriptRuns = () =>
      sent.mock.calls.filter(([command]) => ['eval', 'evalsha'].includes(command.name)).length;
    const limited = `limited-${randomUUID().slice(0, 8)}`;
    const keyed = `keyed-${randomUUID().slice(0, 8)}`;
    // The same idempotency key (hence the same task id) with two different specs.
    const first = single(keyed, 'hash-one');
    const other = { ...first, task: { ...first.task, idempotencyHash: 'hash-two' } };
    const submits = [
      { ...single(limited), burst: 2 },
      { ...single(limited), burst: 2 },
      { ...single(limited), burst: 2 },
      { ...first, burst: undefined },
      { ...other, burst: undefined },
    ];
    try {
      // Started in one turn, as concurrent requests are.
      const outcomes = await Promise.allSettled(
        submits.map(({ tenant, task, burst }) =>
          gate.pass({
            principal: principal(tenant, burst),
            tasks: [task],
            charge: undefined,
            now: Date.now(),
          }),
        ),
      );
      expect(scriptRuns()).toBe(1);
      expect(outcomes.map((o) => o.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
      ]);
      const [, , overBurst, , conflict] = outcomes;
      expect(overBurst?.status === 'rejected' && overBurst.reason).toBeInstanceOf(ApiError);
      expect(conflict?.status === 'rejected' && conflict.reason).toBeInstanceOf(
        IdempotencyConflict,
      );
    } finally {
      sent.mockRestore();
    }
    // Each refusal wrote nothing of its own: only accepted tasks hold room under the cap.
    const reserved = (tenant: string) =>
      gateway.redis.zrange(gatewayKeys.tenantUnfinished(gateway.prefix, tenant), '0', '-1');
    expect((await reserved(limited)).sort()).toEqual(
      submits
        .slice(0, 2)
        .map((s) => s.task.jobKey)
        .sort(),
    );
    expect(await reserved(keyed)).toEqual([first.task.jobKey]);
    // The same call queued the accepted tasks, and only those (the conflicting fifth submit
    // shares the fourth's task id).
    const states = await Promise.all(
      submits.slice(0, 4).map((s) => queue().getJobState(s.task.id)),
    );
    expect(states).toEqual(['prioritized', 'prioritized', 'unknown', 'prioritized']);
  });

  it('fails a submit whose job BullMQ cannot read before it writes anything, and only that one', async () => {
    const gate = gateway.app.get(SubmitGate);
    const tenant = `failing-${randomUUID().slice(0, 8)}`;
    const good = single(tenant, 'spec-a').task;
    const other = single(tenant, 'spec-b').task;
    const broken: GateTask = {
      ...other,
      insert: { ...other.insert, argv: ['not msgpack', '{}', ''] },
    };
    const pass = (tasks: GateTask[]) =>
      gate.pass({ principal: principal(tenant, 10), tasks, charge: undefined, now: Date.now() });

    await expect(pass([good, broken])).rejects.toThrow('unreadable job arguments');
    const claimKey = (id: string) => gatewayKeys.idempotency(gateway.prefix, id);
    expect(await gateway.redis.exists(claimKey(good.id), claimKey(other.id))).toBe(0);
    expect(await queue().getJobState(good.id)).toBe('unknown');

    // Two single submits sharing one call: the broken one fails alone.
    const [alone, failed] = await Promise.allSettled([pass([good]), pass([broken])]);
    expect(alone.status === 'fulfilled' && alone.value.repeats).toEqual([false]);
    expect(failed?.status).toBe('rejected');
    expect(await queue().getJobState(good.id)).toBe('prioritized');
    expect(await queue().getJobState(other.id)).toBe('unknown');
  });

  it('answers a repeat of a key claimed earlier in the same call as a repeat', async () => {
    const gate = gateway.app.get(SubmitGate);
    const tenant = `repeat-${randomUUID().slice(0, 8)}`;
    const once = single(tenant, 'same-spec');
    const passes = await Promise.all(
      [once, once].map(({ task }) =>
        gate.pass({
          principal: principal(tenant),
          tasks: [task],
          charge: undefined,
          now: Date.now(),
        }),
      ),
    );
    expect(passes.map((pass) => pass.repeats)).toEqual([[false], [true]]);
  });
  it("queues a tenant's one task ahead of another tenant's flood (fair sharing)", async () => {
    const gate = gateway.app.get(SubmitGate);
    const [flooding, other] = [
      `flood-${randomUUID().slice(0, 8)}`,
      `one-${randomUUID().slice(0, 8)}`,
    ];
    const pass = (tenant: string, tasks: GateTask[]) =>
      gate.pass({ principal: principal(tenant), tasks, charge: undefined, now: Date.now() });
    const flood = Array.from({ length: 50 }, () => single(flooding).task);
    await pass(flooding, flood);
    const one = single(other).task;
    await pass(other, [one]);
    // The order the workers take them in, among this test's tasks (other tests left theirs).
    const ours = new Set([one.id, ...flood.map((task) => task.id)]);
    const all = await gateway.redis.zrange(queue().keys.prioritized ?? '', '0', '-1');
    const order = all.filter((id) => ours.has(id));
    expect(order).toHaveLength(51);
    expect(order.indexOf(one.id)).toBeLessThanOrEqual(1);
  });
});
