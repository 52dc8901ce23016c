import { pino } from 'pino';
import type { PoolName } from '@agentq/contracts';
import type { Actuator } from './actuators/actuator.js';
import { ControlLoop, type ControlLoopOptions } from './control-loop.js';
import type { ScalingPolicy } from './decide.js';
import type { DecisionRecord } from './decision-store.js';
import { ScalerMetrics } from './metrics.js';
import type { PoolReading } from './observe.js';
import { testPolicy, testReading } from '../test/fixtures/policy.js';

const policy: ScalingPolicy = {
  ...testPolicy,
  maxReplicas: 6,
  backlogDrainS: 10,
  defaultTaskS: 0.1,
  upCooldownS: 0,
  downStabilizationS: 10,
  workerStartupS: 2,
};

const reading = (partial: Partial<PoolReading> = {}) =>
  testReading({ durationsMs: [100], ...partial });

class FakeActuator implements Actuator {
  readonly kind = 'none';
  readonly replicas = new Map<PoolName, number>();
  readonly calls: [PoolName, number][] = [];
  /** Workers ready per pool; undefined: this actuator cannot tell. */
  ready: number | undefined;
  start = () => Promise.resolve();
  close = () => Promise.resolve();
  setReplicas(pool: PoolName, n: number): Promise<void> {
    this.calls.push([pool, n]);
    this.replicas.set(pool, n);
    return Promise.resolve();
  }
  currentReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.replicas.get(pool) ?? 0);
  }
  readyReplicas(pool: PoolName): Promise<number> {
    return Promise.resolve(this.ready ?? this.replicas.get(pool) ?? 0);
  }
}

function setup(overrides: Partial<ControlLoopOptions> = {}) {
  let now = 1_000_000;
  let next = reading();
  const published: DecisionRecord[] = [];
  let last: DecisionRecord | undefined;
  const actuator = new FakeActuator();
  const metrics = new ScalerMetrics();
  const loop = new ControlLoop({
    pools: ['default'],
    read: (_pool, at) => Promise.resolve({ ...next, at }),
    readPins: () => Promise.resolve(new Map()),
    actuator,
    isLeader: () => true,
    confirmLeader: () => Promise.resolve(true),
    fencingToken: () => 7,
    policy,
    schedule: [],
    intervalMs: 1000,
    rateHalfLifeS: 2,
    metrics,
    publish: (decision) => {
      published.push(decision);
      return Promise.resolve();
    },
    lastPublished: () => Promise.resolve(last),
    logger: pino({ level: 'silent' }),
    now: () => now,
    ...overrides,
  });
  return {
    loop,
    actuator,
    metrics,
    published,
    advance: (ms: number) => (now += ms),
    set: (r: Partial<PoolReading>) => (next = reading(r)),
    lastDecision: (record: DecisionRecord) => (last = record),
  };
}

describe(ControlLoop.name, () => {
  it('scales up on a backlog, then back to the minimum once it drained', async () => {
    const { loop, actuator, advance, set } = setup();
    await loop.tick();
    expect(actuator.replicas.get('default')).toBe(1);
    set({ prioritized: 6000, active: 10, workerSlots: [10] });
    for (let i = 0; i < 3; i++) {
      advance(1000);
      await loop.tick();
    }
    expect(actuator.replicas.get('default')).toBe(6);
    set({ workerSlots: Array<number>(6).fill(10) });
    for (let i = 0; i < 30; i++) {
      advance(1000);
      await loop.tick();
    }
    expect(actuator.replicas.get('default')).toBe(1);
    const directions = actuator.calls.map(([, n]) => n);
    expect(directions).toEqual([1, 3, 5, 6, 5, 4, 3, 2, 1]);
  });

  it('scales an idle pool to zero when the minimum is 0, and wakes it on the first task', async () => {
    const { loop, actuator, advance, set, published } = setup({
      policy: { ...policy, minReplicas: 0 },
    });
    await actuator.setReplicas('default', 1);
    for (let i = 0; i < 15; i++) {
      advance(1000);
      await loop.tick();
    }
    expect(actuator.replicas.get('default')).toBe(0);
    set({ waiting: 1 });
    advance(1000);
    await loop.tick();
    expect(actuator.replicas.get('default')).toBe(1);
    expect(published.at(-1)).toMatchObject({ reason: 'wake', desired: 1 });
  });

  it('does nothing but wait while another scaler leads', async () => {
    const { loop, actuator, metrics, published } = setup({ isLeader: () => false });
    await loop.tick();
    expect(actuator.calls).toEqual([]);
    expect(published).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('agentq_scaler_leader')).toContain(
      'agentq_scaler_leader 0',
    );
  });

  it('drops its pool gauges when it loses the lease, so only the leader publishes them', async () => {
    let leader = true;
    const { loop, metrics } = setup({ isLeader: () => leader });
    await loop.tick();
    expect(await metrics.registry.metrics()).toContain(
      'agentq_scaler_backlog_tasks{pool="default"} 0',
    );
    leader = false;
    await loop.tick();
    const text = await metrics.registry.metrics();
    for (const name of ['desired_replicas', 'current_replicas', 'backlog_tasks']) {
      expect(text).not.toContain(`agentq_scaler_${name}{`);
    }
  });

  it('applies nothing when Redis says the lease passed to another scaler meanwhile', async () => {
    const { loop, actuator, published } = setup({ confirmLeader: () => Promise.resolve(false) });
    await loop.tick();
    expect(actuator.calls).toEqual([]);
    expect(published).toEqual([]);
  });

  it('follows a pin', async () => {
    const { loop, actuator } = setup({
      readPins: () => Promise.resolve(new Map([['default', 2]])),
    });
    await loop.tick();
    expect(actuator.replicas.get('default')).toBe(2);
    expect((await loop.pools()).default).toMatchObject({ pinned: 2, desired: 2 });
  });

  it('records every decision with its rationale, inputs and fencing token', async () => {
    const { loop, advance, published } = setup();
    for (let i = 0; i < 3; i++) {
      advance(1000);
      await loop.tick();
    }
    expect(published).toHaveLength(3);
    expect(published[0]).toMatchObject({
      pool: 'default',
      current: 0,
      desired: 1,
      fencingToken: 7,
      reason: 'min',
      at: new Date(1_001_000).toISOString(),
      inputs: { backlog: 0, minReplicas: 1 },
    });
    expect(published[0]?.rationale).toContain('minimum 1');
  });

  it('counts decisions by pool, direction and reason', async () => {
    const { loop, metrics } = setup();
    await loop.tick();
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'agentq_scaler_decisions_total{pool="default",direction="up",reason="min"} 1',
    );
    expect(text).toContain('agentq_scaler_desired_replicas{pool="default"} 1');
  });

  it('restores the pool the previous leader published at once, and keeps it through the window', async () => {
    const { loop, actuator, advance, published, lastDecision } = setup({
      policy: { ...policy, upCooldownS: 15 },
    });
    const previous = setup();
    previous.set({ prioritized: 6000, active: 10, workerSlots: [10] });
    for (let i = 0; i < 3; i++) {
      previous.advance(1000);
      await previous.loop.tick();
    }
    const before = previous.published.at(-1);
    if (!before) throw new Error('no decision published');
    expect(before.desired).toBe(6);
    lastDecision(before);
    // The new leader's workers: none (the old leader's died with it); the queue now idle.
    await loop.tick();
    expect(actuator.calls).toEqual([['default', 6]]);
    expect(published[0]).toMatchObject({ reason: 'takeover', current: 0, desired: 6 });
    for (let i = 0; i < 5; i++) {
      advance(1000);
      await loop.tick();
    }
    expect(actuator.replicas.get('default')).toBe(6);
    expect(published.at(-1)).toMatchObject({ desired: 6, reason: 'stabilization' });
  });

  it('steps up again once the workers of the last step are ready, not after a fixed cooldown', async () => {
    const { loop, actuator, advance, set, published } = setup({
      policy: { ...policy, upCooldownS: 15 },
    });
    await loop.tick();
    set({ prioritized: 6000, active: 10, workerSlots: [10] });
    actuator.ready = 1;
    advance(1000);
    await loop.tick(); // 1 → 3
    advance(1000);
    await loop.tick(); // 2 of 3 still starting: held
    actuator.ready = undefined;
    advance(1000);
    await loop.tick(); // all ready: 3 → 5, 13 s before the cooldown would allow it
    expect(published.map(({ desired, reason }) => `${desired} ${reason}`)).toEqual([
      '1 min',
      '3 step-limit',
      '3 readiness',
      '5 step-limit',
    ]);
  });

  it('publishes by how much the latency objective is missed', async () => {
    const { loop, advance, set, metrics, published } = setup();
    await loop.tick();
    set({ waiting: 10, oldestWaitingSince: 1_000_000 - 35_000 });
    advance(1000);
    await loop.tick();
    expect(published.at(-1)?.objectiveMissSeconds).toBe(6);
    expect(await metrics.registry.metrics()).toContain(
      'agentq_scaler_objective_miss_seconds{pool="default"} 6',
    );
  });

  it('shows the workers its actuator runs, not those the leader decided', async () => {
    const { loop, actuator } = setup({ isLeader: () => false });
    await actuator.setReplicas('default', 2);
    await loop.tick();
    expect((await loop.pools()).default).toMatchObject({ current: 2 });
  });

  it('keeps scaling the other pools when one fails', async () => {
    const { loop, actuator } = setup({
      pools: ['default', 'gpu'],
      read: (pool, at) =>
        pool === 'gpu'
          ? Promise.reject(new Error('no such deployment'))
          : Promise.resolve(reading({ at })),
    });
    await loop.tick();
    expect(actuator.calls).toEqual([['default', 1]]);
  });

  it('publishes the active pins, and saturation while at the maximum with a backlog', async () => {
    const { loop, metrics, actuator, set } = setup({
      readPins: () => Promise.resolve(new Map([['default', policy.maxReplicas]])),
    });
    const saturation = () => metrics.registry.getSingleMetricAsString('agentq_scaler_saturated');
    set({ waiting: 5000 });
    // Steps up to the pin (at most stepUp a tick): not saturated on the way.
    for (let tick = 0; tick < policy.maxReplicas; tick++) {
      await loop.tick();
      if (actuator.replicas.get('default') === policy.maxReplicas) break;
      expect(await saturation()).toContain('agentq_scaler_saturated{pool="default"} 0');
    }
    await loop.tick();
    expect(await metrics.registry.getSingleMetricAsString('agentq_scaler_active_pins')).toContain(
      'agentq_scaler_active_pins 1',
    );
    expect(await saturation()).toContain('agentq_scaler_saturated{pool="default"} 1');
    set({ waiting: 0 });
    await loop.tick();
    expect(await saturation()).toContain('agentq_scaler_saturated{pool="default"} 0');
  });
});
