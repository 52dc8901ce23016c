import { describe, expect, it } from '@jest/globals';
import { durationBetween, formatCount, formatDuration, formatJson, formatUsd } from './format.js';

describe('formatDuration', () => {
  it('reads milliseconds, seconds, minutes and hours as people say them', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(0.25)).toBe('0.25 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_210)).toBe('4.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(7_440_000)).toBe('2 h 4 min');
  });
});

describe('durationBetween', () => {
  it('is null until both ends are known', () => {
    expect(durationBetween('2024-01-01T00:00:00Z', null)).toBeNull();
    expect(durationBetween('2024-01-01T00:00:00Z', '2024-01-01T00:00:01.5Z')).toBe(1500);
  });
});

describe('formatCount', () => {
  it('separates thousands', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});

describe('formatJson', () => {
  it('indents objects, keeps strings as they are and shows a dash for nothing', () => {
    expect(formatJson({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(formatJson('plain')).toBe('plain');
    expect(formatJson(null)).toBe('—');
  });
});

describe('formatUsd', () => {
  it('shows cents, and four places below a dollar', () => {
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(0)).toBe('$0.00');
  });
});
