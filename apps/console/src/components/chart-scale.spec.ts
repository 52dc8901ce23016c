import { describe, expect, it } from '@jest/globals';
import { linePath, maxOf, niceCeiling, ticks } from './chart-scale.js';

describe('niceCeiling', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(0.3)).toBe(0.5);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(13)).toBe(20);
    expect(niceCeiling(420)).toBe(500);
    expect(niceCeiling(1000)).toBe(1000);
  });
});

describe('ticks', () => {
  it('spaces values evenly from zero to the top', () => {
    expect(ticks(20, 4)).toEqual([0, 5, 10, 15, 20]);
  });
});

describe('linePath', () => {
  const frame = { width: 100, height: 50, yMax: 10 };

  it('draws from left to right with zero at the bottom', () => {
    expect(linePath([0, 10, 5], frame)).toBe('M0 50L50 0L100 25');
  });

  it('leaves a gap where a value is missing', () => {
    expect(linePath([10, null, 10, 10], frame)).toBe('M0 0M66.7 0L100 0');
  });

  it('clips values above the frame', () => {
    expect(linePath([20, 20], frame)).toBe('M0 0L100 0');
  });
});

describe('maxOf', () => {
  it('skips nulls across series', () => {
    expect(
      maxOf([
        [1, null, 3],
        [null, 2],
      ]),
    ).toBe(3);
    expect(maxOf([[null]])).toBe(0);
  });
});
