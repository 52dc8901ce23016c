import type { ScalingPolicy } from './decide.js';
import { testPolicy } from '../test/fixtures/policy.js';
import { simulate, traces, type SimulatedPool, type SimulationSummary } from './simulate.js';

const policy: ScalingPolicy = {
  ...testPolicy,
  maxReplicas: 20,
  backlogDrainS: 30,
  maxWaitS: 20,
  stepUp: 4,
  upCooldownS: 10,
  downStabilizationS: 60,
  workerStartupS: 10,
};

const pool: SimulatedPool = {
  taskS: 1,
  startupS: 10,
  intervalS: 2,
  durationS: 900,
  arrivalsUntilS: 600,
};

const modes = { reactive: policy, predictive: { ...policy, predictive: true } };

const results = Object.entries(traces).flatMap(([trace, arrivals]) =>
  Object.entries(modes).map(([mode, p]) => ({ trace, mode, ...simulate(arrivals, p, pool) })),
);

function table(rows: (SimulationSummary & { trace: string; mode: string })[]): string {
  const lines = [
    '| trace | mode | tasks | max wait s | mean wait s | replica-min | changes | flaps | peak | final |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.trace} | ${r.mode} | ${r.completed} | ${r.maxWaitS} | ${r.meanWaitS.toFixed(1)} | ${r.replicaMinutes.toFixed(0)} | ${r.changes} | ${r.flaps} | ${r.peakReplicas} | ${r.finalReplicas} |`,
    ),
  ];
  return lines.join('\n');
}

describe(simulate.name, () => {
  if (process.env.SIMULATION_TABLE) {
    // SIMULATION_TABLE=1 pnpm test -- simulate: prints docs/scaler.md's table.
    it('prints the table', () => console.log(table(results)));
  }

  it.each(results)('$trace ($mode): runs every task and returns to the minimum', (r) => {
    expect(r.completed).toBe(r.arrived);
    expect(r.finalReplicas).toBe(policy.minReplicas);
    expect(r.peakReplicas).toBeLessThanOrEqual(policy.maxReplicas);
  });

  /** Worst waits allowed: start-up (10 s) plus what the drain target and max allow. */
  const bounds: Record<string, { maxWaitS: number; meanWaitS: number; flaps: number }> = {
    step: { maxWaitS: 20, meanWaitS: 2, flaps: 0 },
    ramp: { maxWaitS: 15, meanWaitS: 1, flaps: 0 },
    // 6,000 tasks in 20 s against at most 200/s: physics, not policy, sets this wait.
    spike: { maxWaitS: 45, meanWaitS: 25, flaps: 0 },
    // At each trough (two in the trace) the lagging scale-down meets rising demand.
    sine: { maxWaitS: 15, meanWaitS: 1, flaps: 2 },
  };

  it.each(results)('$trace ($mode): keeps waits bounded without flapping', (r) => {
    expect(r.maxWaitS).toBeLessThanOrEqual(bounds[r.trace]?.maxWaitS ?? 0);
    expect(r.meanWaitS).toBeLessThanOrEqual(bounds[r.trace]?.meanWaitS ?? 0);
    expect(r.flaps).toBeLessThanOrEqual(bounds[r.trace]?.flaps ?? 0);
    expect(r.changes).toBeLessThanOrEqual(pool.durationS / 15);
  });

  it('costs no more replica-minutes than keeping the peak all the time', () => {
    for (const r of results) {
      expect(r.replicaMinutes).toBeLessThan((r.peakReplicas * pool.durationS) / 60);
    }
  });

  it('waits less with the forecast on a ramp', () => {
    const ramp = (mode: string) => results.find((r) => r.trace === 'ramp' && r.mode === mode);
    expect(ramp('predictive')?.meanWaitS).toBeLessThanOrEqual(ramp('reactive')?.meanWaitS ?? 0);
  });
});
