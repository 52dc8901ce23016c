import { withJitter } from './task-hold.js';

describe(withJitter.name, () => {
  it('adds up to a quarter of the wait, at least 100 ms and at most 5 s of spread', () => {
    expect(withJitter(1000, () => 0)).toBe(1000);
    expect(withJitter(1000, () => 1)).toBe(1250);
    expect(withJitter(40, () => 1)).toBe(140);
    expect(withJitter(60_000, () => 1)).toBe(65_000);
  });

  it('spreads the tasks one pause released', () => {
    const waits = new Set(Array.from({ length: 50 }, () => withJitter(1000)));
    expect(waits.size).toBeGreaterThan(10);
  });
});
