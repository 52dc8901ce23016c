import { PRIORITY_LEVELS, Priority, priorityLevelOf } from './priority.js';

describe('Priority', () => {
  it('maps every level to a BullMQ priority above 0, so none jumps ahead as unprioritized', () => {
    for (const level of PRIORITY_LEVELS) expect(Priority[level]).toBeGreaterThan(0);
  });

  it('gives a more urgent level a strictly lower BullMQ priority', () => {
    const values = PRIORITY_LEVELS.map((level) => Priority[level]);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(new Set(values).size).toBe(values.length);
  });

  it('stays within BullMQ priority bounds', () => {
    for (const level of PRIORITY_LEVELS) expect(Priority[level]).toBeLessThanOrEqual(2 ** 21);
  });

  it('reads a stored BullMQ priority back as its level', () => {
    for (const level of PRIORITY_LEVELS) expect(priorityLevelOf(Priority[level])).toBe(level);
  });
});
