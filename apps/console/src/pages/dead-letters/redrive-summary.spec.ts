import { describe, expect, it } from '@jest/globals';
import { redriveSummary } from './redrive-summary.js';

describe('redriveSummary', () => {
  it('says what was re-driven and what was not', () => {
    expect(redriveSummary({ redriven: ['a'], notFound: [], conflicts: [], remaining: 1 })).toBe(
      '1 re-driven; 1 dead letter left.',
    );
    expect(
      redriveSummary({
        redriven: [],
        notFound: ['x'],
        conflicts: [{ id: 'b', state: 'active' }],
        remaining: 0,
      }),
    ).toBe('0 re-driven, 1 not found, 1 already running again (b: active); 0 dead letters left.');
  });
});
