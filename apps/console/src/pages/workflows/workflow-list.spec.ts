import { describe, expect, it } from '@jest/globals';
import { stepsSummary, workflowQuery } from './workflow-list.js';

describe('stepsSummary', () => {
  it('says how many steps completed of all', () => {
    expect(stepsSummary({ total: 4, completed: 1, failed: 0, unfinished: 3 })).toBe(
      '1/4 completed',
    );
  });

  it('names failed steps and those that ended otherwise', () => {
    expect(stepsSummary({ total: 5, completed: 2, failed: 1, unfinished: 0 })).toBe(
      '2/5 completed, 1 failed, 2 skipped or cancelled',
    );
  });
});

describe('workflowQuery', () => {
  it('sends the state only when one is chosen', () => {
    expect(workflowQuery('')).toEqual({});
    expect(workflowQuery('failed')).toEqual({ state: 'failed' });
  });
});
