import { elapsed, formatDuration, inline, progressPercent } from './values.js';

describe(formatDuration.name, () => {
  it('reads at the precision a person wants', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1234)).toBe('1.2s');
    expect(formatDuration(184_000)).toBe('3m04s');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h05m');
  });
});

describe(elapsed.name, () => {
  it('measures between timestamps, up to now while running, and dashes before the start', () => {
    expect(elapsed('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.500Z')).toBe('1.5s');
    expect(elapsed('2026-01-01T00:00:00.000Z', null, Date.parse('2026-01-01T00:00:00.300Z'))).toBe(
      '300ms',
    );
    expect(elapsed(null, null)).toBe('-');
  });
});

describe(inline.name, () => {
  it('prints strings as they are and anything else as JSON', () => {
    expect(inline('hi')).toBe('hi');
    expect(inline({ a: [1] })).toBe('{"a":[1]}');
    expect(inline(null)).toBe('-');
  });
});

describe(progressPercent.name, () => {
  it('takes numbers, clamped, and ignores other reports', () => {
    expect(progressPercent(40)).toBe(40);
    expect(progressPercent(140)).toBe(100);
    expect(progressPercent({ step: 1 })).toBeUndefined();
  });
});
