import { sseData } from './sse-parser.js';

async function collect(parts: string[]): Promise<string[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const part of parts) yield encoder.encode(part);
  }
  const events: string[] = [];
  for await (const data of sseData(body())) events.push(data);
  return events;
}

describe(sseData.name, () => {
  it('yields the data of each event, across chunk boundaries', async () => {
    expect(await collect(['data: {"a"', ':1}\n\nda', 'ta: [DONE]\n\n'])).toEqual([
      '{"a":1}',
      '[DONE]',
    ]);
  });

  it('joins multi-line data, skips comments and other fields, accepts CRLF', async () => {
    expect(await collect([': ping\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\n'])).toEqual([
      'one\ntwo',
    ]);
  });

  it('yields a last event that is not followed by a blank line', async () => {
    expect(await collect(['data: tail'])).toEqual(['tail']);
  });

  it('keeps multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('data: é\n\n');
    async function* body() {
      yield bytes.slice(0, 7);
      yield bytes.slice(7);
    }
    const events: string[] = [];
    for await (const data of sseData(body())) events.push(data);
    expect(events).toEqual(['é']);
  });
});
