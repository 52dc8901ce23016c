import { describe, expect, it } from '@jest/globals';
import type { TaskView } from '@agentq/contracts';
import { NO_FILTERS, matchesPriority, serverQuery } from './task-filters.js';

describe('serverQuery', () => {
  it('sends only the filters that are set, agent trimmed', () => {
    expect(serverQuery(NO_FILTERS)).toEqual({});
    expect(
      serverQuery({ state: 'failed', pool: 'gpu', agent: ' echo ', priority: 'high' }),
    ).toEqual({ state: 'failed', pool: 'gpu', agent: 'echo' });
  });
});

describe('matchesPriority', () => {
  it('keeps every task without a priority filter, else only that level', () => {
    const task = { priority: 'low' } as TaskView;
    expect(matchesPriority(task, NO_FILTERS)).toBe(true);
    expect(matchesPriority(task, { ...NO_FILTERS, priority: 'low' })).toBe(true);
    expect(matchesPriority(task, { ...NO_FILTERS, priority: 'high' })).toBe(false);
  });
});
