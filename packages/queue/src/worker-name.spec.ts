import fc from 'fast-check';
import { formatWorkerName, parseWorkerName, slotsOf } from './worker-name.js';

describe(parseWorkerName.name, () => {
  it('reads back what formatWorkerName wrote, colons in the identity included', () => {
    const pool = fc.stringMatching(/^[a-z0-9]{1,8}$/);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9:.-]{1,20}$/).filter((s) => !s.startsWith(':')),
        fc.nat(),
        fc.uniqueArray(fc.tuple(pool, fc.integer({ min: 1, max: 10_000 })), {
          minLength: 1,
          maxLength: 4,
          selector: ([name]) => name,
        }),
        (identity, pid, entries) => {
          const worker = { identity, pid, slots: new Map(entries) };
          expect(parseWorkerName(formatWorkerName(worker))).toEqual(worker);
        },
      ),
    );
  });

  it.each([
    ['a bare name', 'pod-r'],
    ['too few fields', 'host:1:c4'],
    ['no slot marker', 'host:1:default:4'],
    ['pools and counts that do not pair', 'host:1:default+large:c4'],
    ['a pid that is not a number', 'host:x:default:c4'],
    ['zero slots', 'host:1:default:c0'],
  ])('answers undefined for %s', (_, name) => {
    expect(parseWorkerName(name)).toBeUndefined();
  });
});

describe(slotsOf.name, () => {
  it("adds the pool's slots of each worker, with the fallback for names that tell none", () => {
    const names = ['a:1:default+large:c10+2', 'b:2:large:c3', 'pod-r', undefined];
    expect(slotsOf(names, 'large', 4)).toBe(2 + 3 + 4 + 4);
    expect(slotsOf(names, 'default', 4)).toBe(10 + 0 + 4 + 4);
  });
});
