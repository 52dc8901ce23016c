import { parseSchedule, scheduledMinimum } from './schedule.js';

describe(scheduledMinimum.name, () => {
  const windows = parseSchedule('0 9 * * 1-5|480|3; 0 12 * * *|60|5', 'UTC');

  it.each([
    ['2026-11-23T08:59:00Z', 0], // Monday, before the window
    ['2026-11-23T09:00:00Z', 3], // opens
    ['2026-11-23T12:30:00Z', 5], // both open: the highest wins
    ['2026-11-23T16:59:59Z', 3],
    ['2026-11-23T17:00:00Z', 0], // 8 hours later, closed
    ['2026-11-22T10:00:00Z', 0], // Sunday
  ])('at %s keeps %d', (at, expected) => {
    expect(scheduledMinimum(windows, Date.parse(at))).toBe(expected);
  });

  it('names the bad window', () => {
    expect(() => parseSchedule('0 99 * * *|60|2', 'UTC')).toThrow('"0 99 * * *|60|2"');
    expect(() => parseSchedule('0 9 * * *|sixty|2', 'UTC')).toThrow('<cron>|<minutes>|<replicas>');
  });
});
