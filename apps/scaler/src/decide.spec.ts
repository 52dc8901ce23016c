import fc from 'fast-check';
import { decide, emptyHistory, type DecideInput, type ScalingPolicy } from './decide.js';
import type { PoolObservation } from './rates.js';
import { testObservation, testPolicy } from '../test/fixtures/policy.js';

const policy = testPolicy;
const observation = testObservation;

function input(partial: Partial<DecideInput> & { obs?: Partial<PoolObservation> }): DecideInput {
  return {
    observation: observation(partial.obs),
    current: partial.current ?? 1,
    scheduledMin: partial.scheduledMin ?? 0,
    pinned: partial.pinned,
    ready: partial.ready,
    now: partial.now ?? 1_000_000,
  };
}

describe(decide.name, () => {
  const cases: {
    name: string;
    given: Partial<DecideInput> & { obs?: Partial<PoolObservation> };
    policy?: Partial<ScalingPolicy>;
    desired: number;
    reason: string;
  }[] = [
    { name: 'keeps the minimum when idle', given: { current: 1 }, desired: 1, reason: 'min' },
    {
      name: 'scales an idle pool to zero when the minimum is 0',
      given: { current: 1 },
      policy: { minReplicas: 0 },
      desired: 0,
      reason: 'idle',
    },
    {
      name: 'wakes a pool at zero on the first waiting task',
      given: { current: 0, obs: { backlog: 1 } },
      policy: { minReplicas: 0 },
      desired: 1,
      reason: 'wake',
    },
    {
      name: 'adds workers when the slots are busier than the target',
      given: { current: 2, obs: { active: 20 } },
      desired: 3,
      reason: 'utilization',
    },
    {
      name: 'sizes for a backlog to drain within the drain time',
      given: { current: 2, obs: { backlog: 1500, active: 10 } },
      desired: 4,
      reason: 'backlog',
    },
    {
      name: 'says the step limit when it, not the maximum, holds a scale-up',
      given: { current: 1, obs: { backlog: 3000, active: 10 } },
      policy: { maxReplicas: 4 },
      desired: 3,
      reason: 'step-limit',
    },
    {
      name: 'says the step limit when it holds a scale-down',
      given: { current: 4 },
      desired: 3,
      reason: 'step-limit',
    },
    {
      name: 'sizes for the arrival rate',
      given: { current: 2, obs: { arrivalRate: 30, active: 10 } },
      desired: 4,
      reason: 'arrivals',
    },
    {
      name: 'adds one when the oldest task waits past the objective',
      given: { current: 3, obs: { backlog: 5, active: 10, oldestWaitS: 45 } },
      desired: 4,
      reason: 'latency',
    },
    {
      name: 'never goes above the maximum',
      given: { current: 9, obs: { backlog: 100_000 } },
      desired: 10,
      reason: 'max',
    },
    {
      name: 'brings a pool below the minimum up to it, whatever the step',
      given: { current: 0 },
      policy: { minReplicas: 3 },
      desired: 3,
      reason: 'min',
    },
    {
      name: 'caps replicas so they cost no more than the budget',
      given: { current: 3, obs: { backlog: 100_000 } },
      policy: { costPerReplicaHour: 2, budgetPerHour: 7 },
      desired: 3,
      reason: 'budget',
    },
    {
      name: 'does not scale up into a failure storm',
      given: { current: 2, obs: { backlog: 5000, failureRate: 0.9 } },
      desired: 2,
      reason: 'failure-storm',
    },
    {
      name: 'keeps the scheduled minimum',
      given: { current: 3, scheduledMin: 3 },
      desired: 3,
      reason: 'schedule',
    },
    {
      name: 'follows a pin',
      given: { current: 4, pinned: 5 },
      desired: 5,
      reason: 'pinned',
    },
    {
      name: 'follows a pin within the step limits',
      given: { current: 1, pinned: 8 },
      desired: 3,
      reason: 'step-limit',
    },
    {
      name: 'keeps a pin within the maximum',
      given: { current: 10, pinned: 50 },
      desired: 10,
      reason: 'max',
    },
    {
      name: 'uses the default task duration before any task completed',
      given: { current: 1, obs: { arrivalRate: 20, durationMeanS: undefined } },
      desired: 3,
      reason: 'arrivals',
    },
  ];

  it.each(cases)('$name', ({ given, policy: override, desired, reason }) => {
    const { decision } = decide(input(given), { ...policy, ...override }, emptyHistory);
    expect(decision).toMatchObject({ desired, reason });
  });

  it('says stabilization when the window holds a scale-down short of the minimum', () => {
    const { history } = decide(input({ current: 4, obs: { active: 20 }, now: 0 }), policy, {
      ...emptyHistory,
    });
    const { decision } = decide(
      input({ current: 4, now: 2000 }),
      { ...policy, stepDown: 2 },
      history,
    );
    // The idle pool recommends the minimum 1; the window's highest (3) decides 4 → 3.
    expect(decision).toMatchObject({ desired: 3, direction: 'down', reason: 'stabilization' });
  });

  it('says forecast when the arrival forecast holds a scale-down', () => {
    const rising = decide(input({ current: 4, now: 0, obs: { arrivalRate: 10 } }), policy, {
      ...emptyHistory,
      forecast: { level: 0, trend: 0 },
      forecastAt: -2000,
    });
    const { decision } = decide(
      input({ current: 4, now: 2000, obs: { arrivalRate: 15 } }),
      { ...policy, downStabilizationS: 0 },
      rising.history,
    );
    // 15/s needs 2 workers at 8/s each; the forecast, above 16/s, needs 3.
    expect(decision.inputs.forecastRate).toBeGreaterThan(16);
    expect(decision).toMatchObject({ desired: 3, direction: 'down', reason: 'forecast' });
  });

  it('steps again as soon as the workers of the last step are ready', () => {
    const busy = { obs: { backlog: 5000, active: 30 } };
    const first = decide(input({ ...busy, current: 1, ready: 1, now: 0 }), policy, emptyHistory);
    expect(first.decision).toMatchObject({ desired: 3, reason: 'step-limit' });
    const starting = decide(
      input({ ...busy, current: 3, ready: 1, now: 1000 }),
      policy,
      first.history,
    );
    expect(starting.decision).toMatchObject({ desired: 3, reason: 'readiness' });
    expect(starting.decision.rationale).toContain('2 of 3 workers still starting');
    const ready = decide(
      input({ ...busy, current: 3, ready: 3, now: 2000 }),
      policy,
      starting.history,
    );
    expect(ready.decision).toMatchObject({ desired: 5, direction: 'up' });
  });

  it('steps again after the cooldown when started workers never get ready', () => {
    const busy = { obs: { backlog: 5000, active: 30 } };
    const first = decide(input({ ...busy, current: 1, ready: 1, now: 0 }), policy, emptyHistory);
    const stuck = decide(
      input({ ...busy, current: 3, ready: 1, now: 16_000 }),
      policy,
      first.history,
    );
    expect(stuck.decision).toMatchObject({ desired: 5, direction: 'up' });
  });

  it('says by how much the latency objective is missed', () => {
    const { decision } = decide(
      input({ current: 3, obs: { backlog: 5, active: 10, oldestWaitS: 40.5 } }),
      policy,
      emptyHistory,
    );
    expect(decision.objectiveMissSeconds).toBeCloseTo(10.5);
    expect(decision.rationale).toMatch(
      /^objective missed by 10\.50 s \(oldest wait 40\.50 s, objective 30 s\)/,
    );
    const met = decide(
      input({ current: 3, obs: { backlog: 5, active: 10, oldestWaitS: 29 } }),
      policy,
      emptyHistory,
    );
    expect(met.decision.objectiveMissSeconds).toBe(0);
    expect(met.decision.rationale).not.toContain('objective');
  });

  it('waits for the cooldown after a scale-up before the next one', () => {
    const busy = { obs: { backlog: 5000, active: 30 } };
    const first = decide(input({ ...busy, current: 1, now: 0 }), policy, emptyHistory);
    expect(first.decision.desired).toBe(3);
    const soon = decide(input({ ...busy, current: 3, now: 5000 }), policy, first.history);
    expect(soon.decision).toMatchObject({ desired: 3, reason: 'cooldown' });
    const later = decide(input({ ...busy, current: 3, now: 16_000 }), policy, soon.history);
    expect(later.decision.desired).toBe(5);
  });

  it('scales down only to the highest recommendation of the stabilization window', () => {
    let history = decide(
      input({ current: 4, obs: { active: 30 }, now: 0 }),
      policy,
      emptyHistory,
    ).history;
    const held = decide(input({ current: 4, now: 60_000 }), policy, history);
    expect(held.decision).toMatchObject({ desired: 4, reason: 'stabilization' });
    history = held.history;
    const after = decide(input({ current: 4, now: 121_000 }), policy, history);
    expect(after.decision).toMatchObject({ desired: 3, direction: 'down' });
  });

  it('sizes for the forecast arrival rate in predictive mode', () => {
    const predictive = { ...policy, predictive: true, workerStartupS: 10, upCooldownS: 0 };
    let history = emptyHistory;
    let last = decide(input({ current: 1, now: 0 }), predictive, history);
    // The arrival rate climbs by 5/s every 2 s.
    for (let step = 1; step <= 5; step++) {
      history = last.history;
      last = decide(
        input({ current: 4, now: step * 2000, obs: { arrivalRate: step * 5, active: 10 } }),
        predictive,
        history,
      );
    }
    expect(last.decision.inputs.forecastRate).toBeGreaterThan(25);
    expect(last.decision.reason).toBe('forecast');
    const reactive = decide(
      input({ current: 4, now: 10_000, obs: { arrivalRate: 25, active: 10 } }),
      policy,
      emptyHistory,
    );
    expect(last.decision.inputs.recommendation).toBeGreaterThan(
      reactive.decision.inputs.recommendation,
    );
  });

  const arbitraryObservation = fc.record({
    backlog: fc.nat(1_000_000),
    active: fc.nat(100_000),
    oldestWaitS: fc.double({ min: 0, max: 10_000, noNaN: true }),
    arrivalRate: fc.double({ min: 0, max: 100_000, noNaN: true }),
    failureRate: fc.double({ min: 0, max: 1, noNaN: true }),
    durationMeanS: fc.option(fc.double({ min: 0, max: 3600, noNaN: true }), { nil: undefined }),
  });
  const arbitraryPolicy = fc
    .record({
      minReplicas: fc.nat(20),
      span: fc.nat(50),
      stepUp: fc.integer({ min: 1, max: 10 }),
      stepDown: fc.integer({ min: 1, max: 10 }),
      predictive: fc.boolean(),
      upCooldownS: fc.nat(60),
      downStabilizationS: fc.nat(600),
    })
    .map(({ span, ...rest }) => ({
      ...policy,
      ...rest,
      maxReplicas: rest.minReplicas + span || 1,
    }));

  it('never leaves [min, max] and respects the step limits (property)', () => {
    fc.assert(
      fc.property(
        arbitraryPolicy,
        fc.array(fc.tuple(arbitraryObservation, fc.option(fc.nat(100), { nil: undefined })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.nat(100),
        (p, steps, start) => {
          let current = Math.min(p.maxReplicas, Math.max(p.minReplicas, start));
          let history = emptyHistory;
          let now = 0;
          for (const [obs, pinned] of steps) {
            now += 2000;
            const result = decide(
              { observation: observation(obs), current, scheduledMin: 0, pinned, now },
              p,
              history,
            );
            const { desired } = result.decision;
            expect(desired).toBeGreaterThanOrEqual(p.minReplicas);
            expect(desired).toBeLessThanOrEqual(p.maxReplicas);
            expect(desired - current).toBeLessThanOrEqual(p.stepUp);
            expect(current - desired).toBeLessThanOrEqual(p.stepDown);
            expect(Number.isInteger(desired)).toBe(true);
            history = result.history;
            current = desired;
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('goes back to the minimum once the pool stays idle past the window (property)', () => {
    fc.assert(
      fc.property(arbitraryPolicy, fc.nat(100), (p, start) => {
        let current = Math.min(p.maxReplicas, Math.max(p.minReplicas, start));
        let history = emptyHistory;
        let now = 0;
        const ticks = Math.ceil(p.downStabilizationS / 2) + 2 + Math.ceil(100 / p.stepDown);
        for (let tick = 0; tick < ticks; tick++) {
          now += 2000;
          const result = decide(
            { observation: observation(), current, scheduledMin: 0, pinned: undefined, now },
            p,
            history,
          );
          history = result.history;
          current = result.decision.desired;
        }
        expect(current).toBe(p.minReplicas);
      }),
      { numRuns: 100 },
    );
  });
});
