import { describe, expect, it } from '@jest/globals';
import type { ScalerDecisionRecord } from '@agentq/contracts';
import { latestFencingToken, workerSeries } from './decision-series.js';

const decision = (at: string, current: number, desired: number, fencingToken?: number) =>
  ({ at, current, desired, fencingToken, pool: 'default' }) as ScalerDecisionRecord;

describe('workerSeries', () => {
  it('draws the decisions oldest first', () => {
    const { labels, series } = workerSeries([decision('t2', 1, 2), decision('t1', 1, 1)]);
    expect(labels).toEqual(['t1', 't2']);
    expect(series).toEqual([
      { name: 'desired', values: [1, 2] },
      { name: 'current', values: [1, 1] },
    ]);
  });
});

describe('latestFencingToken', () => {
  it('is the largest token, undefined when no decision has one', () => {
    expect(latestFencingToken([decision('a', 1, 1, 3), decision('b', 1, 1, 4)])).toBe(4);
    expect(latestFencingToken([decision('a', 1, 1)])).toBeUndefined();
  });
});
