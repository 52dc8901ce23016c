import {
  compareStreamIds,
  laterStreamId,
  mayHaveMissed,
  parseStreamEnds,
  type StreamEnds,
} from './stream-gap.js';

/** A stream that lost entries, unless told otherwise. */
const ends = (firstId: string | undefined, lastGeneratedId: string, lostEntries = true) =>
  ({ firstId, lastGeneratedId, lostEntries }) satisfies StreamEnds;

describe(compareStreamIds.name, () => {
  it('orders by time, then sequence, as numbers rather than text', () => {
    expect(compareStreamIds('9-5', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-10', '10-9')).toBeGreaterThan(0);
    expect(compareStreamIds('1795510284089-1', '1795510284089-1')).toBe(0);
    expect(laterStreamId('10-9', '10-10')).toBe('10-10');
  });
});

describe(mayHaveMissed.name, () => {
  it('sees nothing missed while the last entry read is still in the stream', () => {
    expect(mayHaveMissed('5-0', ends('3-0', '9-0'))).toBe(false);
    expect(mayHaveMissed('5-0', ends('5-0', '9-0'))).toBe(false);
  });

  it('sees entries missed once the stream was trimmed past the last entry read', () => {
    expect(mayHaveMissed('5-0', ends('6-0', '9-0'))).toBe(true);
  });

  it('tells a stream trimmed empty after new entries from one that got none', () => {
    expect(mayHaveMissed('5-0', ends(undefined, '9-0'))).toBe(true);
    expect(mayHaveMissed('5-0', ends(undefined, '5-0'))).toBe(false);
  });

  it('sees nothing missed in a stream that never lost an entry', () => {
    expect(mayHaveMissed('0-0', ends('6-0', '9-0', false))).toBe(false);
    expect(mayHaveMissed('0-0', ends('6-0', '9-0', true))).toBe(true);
  });
});

describe(parseStreamEnds.name, () => {
  it('reads the ends of an XINFO STREAM answer and whether entries left it', () => {
    const full = [
      'length',
      2,
      'last-generated-id',
      '7-1',
      'entries-added',
      2,
      'first-entry',
      ['7-0', ['a', '1']],
    ];
    expect(parseStreamEnds(full)).toEqual(ends('7-0', '7-1', false));
    const trimmed = [
      'length',
      0,
      'last-generated-id',
      '7-1',
      'entries-added',
      2,
      'first-entry',
      null,
    ];
    expect(parseStreamEnds(trimmed)).toEqual(ends(undefined, '7-1', true));
  });

  it('takes a stream for trimmed when Redis does not count the entries added (before 7.0)', () => {
    const reply = ['length', 2, 'last-generated-id', '7-1', 'first-entry', ['7-0', ['a', '1']]];
    expect(parseStreamEnds(reply).lostEntries).toBe(true);
  });

  it('refuses an answer without a last generated id', () => {
    expect(() => parseStreamEnds(['length', 0])).toThrow('last-generated-id');
  });
});
