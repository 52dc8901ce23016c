import { backoffDelayMs } from './retry-policy.js';

describe(backoffDelayMs.name, () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('doubles the cap with each attempt, up to the maximum', () => {
    const justUnderOne = () => 0.999_999;
    expect(
      [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, justUnderOne)),
    ).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('draws the whole range from zero to the cap (full jitter)', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});
