import { describe, expect, it } from '@jest/globals';
import { budgetGauge } from './budget-gauge.js';

describe('budget gauge', () => {
  it("shows the last minute's use against the limit", () => {
    expect(budgetGauge({ limit: 600, lastMinute: 150, available: 8 })).toEqual({
      text: '150 / 600',
      share: 0.25,
      level: 'ok',
    });
  });

  it('turns high from 80 % of the limit, and full at the limit, never drawing past it', () => {
    expect(budgetGauge({ limit: 1000, lastMinute: 800, available: 3 }).level).toBe('high');
    expect(budgetGauge({ limit: 60_000, lastMinute: 61_200, available: -1200 })).toEqual({
      text: '61,200 / 60,000',
      share: 1,
      level: 'full',
    });
  });

  it('says "no limit", with the use when it is counted, and draws no bar', () => {
    expect(budgetGauge({ limit: null, lastMinute: 12, available: null })).toEqual({
      text: '12 · no limit',
      share: null,
      level: 'ok',
    });
    expect(budgetGauge({ limit: null, lastMinute: null, available: null }).text).toBe('no limit');
  });
});
