import type { MinimalJob } from 'bullmq';
import { BACKOFF_TYPE, backoffCeilingMs, createBackoffStrategy } from './backoff.js';

const jobWith = (delay?: number) =>
  ({ opts: { backoff: { type: BACKOFF_TYPE.exponential, delay } } }) as unknown as MinimalJob;

describe(backoffCeilingMs.name, () => {
  it('doubles from the base and stops at the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((n) =>
      backoffCeilingMs(n, BACKOFF_TYPE.exponential, 1000, 10_000),
    );
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('keeps the base for a fixed backoff', () => {
    expect(backoffCeilingMs(7, BACKOFF_TYPE.fixed, 250, 10_000)).toBe(250);
  });

  it('stays at the cap for very many attempts', () => {
    expect(backoffCeilingMs(5000, BACKOFF_TYPE.exponential, 1000, 300_000)).toBe(300_000);
  });
});

describe(createBackoffStrategy.name, () => {
  const limits = { baseMs: 1000, capMs: 5000 };

  it('draws a delay between 0 and the ceiling (full jitter)', () => {
    expect(createBackoffStrategy(limits, () => 0)(3, BACKOFF_TYPE.exponential)).toBe(0);
    expect(createBackoffStrategy(limits, () => 0.999_999)(3, BACKOFF_TYPE.exponential)).toBe(4000);
    expect(createBackoffStrategy(limits, () => 0.5)(2, BACKOFF_TYPE.exponential)).toBe(1000);
  });

  it("uses the task's own base within the worker's cap", () => {
    const strategy = createBackoffStrategy(limits, () => 0.999_999);
    expect(strategy(1, BACKOFF_TYPE.exponential, undefined, jobWith(300))).toBe(300);
    expect(strategy(9, BACKOFF_TYPE.exponential, undefined, jobWith(300))).toBe(5000);
    expect(strategy(2, BACKOFF_TYPE.exponential, undefined, jobWith())).toBe(2000);
  });
});
