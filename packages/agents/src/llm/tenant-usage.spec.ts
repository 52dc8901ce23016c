import { budgetOverrun, periodEnd, periodsOf } from './tenant-usage.js';

const at = new Date('2026-12-31T23:30:00Z');

describe('tenant LLM periods and budgets', () => {
  it('names UTC days and months and when they end, across a year', () => {
    expect(periodsOf(at)).toEqual({ day: '2026-12-31', month: '2026-12' });
    expect(periodEnd(at, 'day').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodEnd(at, 'month').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(periodEnd(new Date('2026-02-10T05:00:00Z'), 'month').toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
  });

  it('finds the first budget reached, and none below every budget', () => {
    const usage = { day: { tokens: 10, costUsd: 2 }, month: { tokens: 500, costUsd: 9 } };
    expect(budgetOverrun({ tokensPerDay: 11, costUsdPerMonth: 10 }, usage, at)).toBeUndefined();
    expect(budgetOverrun({ tokensPerDay: 11, costUsdPerMonth: 9 }, usage, at)).toMatchObject({
      period: 'month',
      what: 'costUsd',
      limit: 9,
      used: 9,
    });
    expect(budgetOverrun(undefined, usage, at)).toBeUndefined();
  });
});
