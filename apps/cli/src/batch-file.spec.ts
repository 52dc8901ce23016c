import { chunks, specsFromJsonLines } from './batch-file.js';

describe(specsFromJsonLines.name, () => {
  it('reads whole specs, or inputs of the agent named, with the flags over each', () => {
    const text = '{"agent":"echo","input":1}\n\n{"agent":"sim","pool":"gpu"}\n';
    expect(specsFromJsonLines(text, 'b.jsonl', undefined, { priority: 'high' })).toEqual([
      { priority: 'high', agent: 'echo', input: 1 },
      { priority: 'high', agent: 'sim', pool: 'gpu' },
    ]);
    expect(specsFromJsonLines('1\n"two"\n', 'b.jsonl', 'echo', {})).toEqual([
      { agent: 'echo', input: 1 },
      { agent: 'echo', input: 'two' },
    ]);
  });

  it('names the line that is not JSON or not a spec', () => {
    expect(() => specsFromJsonLines('{"agent":"echo"}\n{nope', 'b.jsonl', undefined, {})).toThrow(
      /b\.jsonl:2: not JSON/,
    );
    expect(() => specsFromJsonLines('[1]', 'b.jsonl', undefined, {})).toThrow(
      /b\.jsonl:1: expected/,
    );
    expect(() => specsFromJsonLines('\n', 'b.jsonl', 'echo', {})).toThrow(/no tasks/);
  });
});

describe(chunks.name, () => {
  it('slices in order, the last one shorter', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
