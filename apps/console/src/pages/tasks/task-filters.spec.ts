import { describe, expect, it } from '@jest/globals';
import { NO_FILTERS, serverQuery } from './task-filters.js';

describe('serverQuery', () => {
  it('sends only the filters that are set, agent trimmed', () => {
    expect(serverQuery(NO_FILTERS)).toEqual({});
    expect(
      serverQuery({ state: 'failed', pool: 'gpu', agent: ' echo ', priority: 'high' }),
    ).toEqual({ state: 'failed', pool: 'gpu', agent: 'echo', priority: 'high' });
  });
});
