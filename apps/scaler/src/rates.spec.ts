import { quantile, summarize } from './rates.js';
import { testReading } from '../test/fixtures/policy.js';

const base = testReading();

describe(summarize.name, () => {
  it('counts waiting, prioritized, due delayed and waiting-children as backlog', () => {
    const { observation } = summarize(
      { ...base, waiting: 1, prioritized: 2, delayedDue: 3, waitingChildren: 4, delayedLater: 5 },
      undefined,
      10,
      10,
    );
    expect(observation).toMatchObject({ backlog: 10, delayedLater: 5 });
  });

  it('derives arrivals from growth plus what finished', () => {
    const first = summarize({ ...base, at: 0, prioritized: 100 }, undefined, 10, 10);
    const second = summarize(
      { ...base, at: 2000, prioritized: 80, active: 10, completedSince: 30, failedSince: 10 },
      first.state,
      0.001,
      10,
    );
    // 100 -> 90 in the system while 40 left: 30 arrived in 2 s.
    expect(second.observation.arrivalRate).toBeCloseTo(15);
    expect(second.observation.completionRate).toBeCloseTo(15);
    expect(second.observation.failureRate).toBeCloseTo(0.25);
  });

  it('leaves failures the client caused (bad input, cancels) out of the failure rate', () => {
    const first = summarize({ ...base, at: 0 }, undefined, 10, 10);
    const second = summarize(
      {
        ...base,
        at: 1000,
        completedSince: 10,
        failedSince: 40,
        // A sample of 4 of the 40: three cancels, one timeout.
        failureCodes: ['CANCELLED', 'CANCELLED', 'INVALID_INPUT', 'TIMEOUT'],
      },
      first.state,
      0.001,
      10,
    );
    // 10 of the 40 failures were downstream, out of 50 finishing tasks.
    expect(second.observation.failureRate).toBeCloseTo(0.2);
  });

  it('reports the head-of-line wait and the duration percentiles', () => {
    const { observation } = summarize(
      { ...base, at: 10_000, waiting: 1, oldestWaitingSince: 4000, durationsMs: [100, 200, 900] },
      undefined,
      10,
      10,
    );
    expect(observation).toMatchObject({ oldestWaitS: 6, durationP50S: 0.2, durationP95S: 0.9 });
  });

  it('takes the nearest-rank quantile', () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 0.95)).toBe(5);
  });
});
