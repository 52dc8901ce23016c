import { Readable } from 'node:stream';
import { sseData } from './sse-parser.js';

async function collect(chunks: Uint8Array[]): Promise<string[]> {
  const events: string[] = [];
  for await (const data of sseData(Readable.from(chunks))) events.push(data);
  return events;
}

const bytes = (...parts: string[]) => parts.map((part) => new TextEncoder().encode(part));

describe(sseData.name, () => {
  it('yields the data of each event, across chunk boundaries', async () => {
    expect(await collect(bytes('data: {"a"', ':1}\n\nda', 'ta: [DONE]\n\n'))).toEqual([
      '{"a":1}',
      '[DONE]',
    ]);
  });

  it('joins multi-line data, skips comments and other fields, accepts CRLF', async () => {
    expect(await collect(bytes(': ping\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\n'))).toEqual([
      'one\ntwo',
    ]);
  });

  it('yields a last event that is not followed by a blank line', async () => {
    expect(await collect(bytes('data: tail'))).toEqual(['tail']);
  });

  it('keeps multi-byte characters split between chunks', async () => {
    const [whole = new Uint8Array()] = bytes('data: é\n\n');
    expect(await collect([whole.slice(0, 7), whole.slice(7)])).toEqual(['é']);
  });
});
