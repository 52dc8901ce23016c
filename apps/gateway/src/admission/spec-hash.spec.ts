import { TaskSpecSchema } from '@agentq/contracts';
import { specHash } from './spec-hash.js';

const parse = (value: unknown) => TaskSpecSchema.parse(value);

describe(specHash.name, () => {
  it('gives the same hash whatever the key order and whether defaults are written out', () => {
    const a = parse({ agent: 'echo', input: { a: 1, b: [1, { c: 2, d: 3 }] } });
    const b = parse({ input: { b: [1, { d: 3, c: 2 }], a: 1 }, priority: 'normal', agent: 'echo' });
    expect(specHash(a)).toBe(specHash(b));
  });

  it('ignores the idempotency key itself', () => {
    expect(specHash(parse({ agent: 'echo', idempotencyKey: 'k1' }))).toBe(
      specHash(parse({ agent: 'echo', idempotencyKey: 'k2' })),
    );
  });

  it('tells different bodies apart', () => {
    expect(specHash(parse({ agent: 'echo', input: 1 }))).not.toBe(
      specHash(parse({ agent: 'echo', input: 2 })),
    );
  });
});
