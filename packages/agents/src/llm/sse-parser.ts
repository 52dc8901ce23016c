/**
 * Yields the `data` of each server-sent event in a byte stream (the format of OpenAI-style
 * streaming): events end at a blank line, multi-line data is joined with '\n', comments
 * (`:`) and other fields are skipped, and CRLF or LF line ends both work.
 */
export async function* sseData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  const lines = function* (final: boolean) {
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      yield buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
    }
    if (final && buffer.length > 0) {
      yield buffer.replace(/\r$/, '');
      buffer = '';
    }
  };
  const take = function* (line: string) {
    if (line === '') {
      if (data.length > 0) yield data.join('\n');
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of lines(false)) yield* take(line);
  }
  buffer += decoder.decode();
  for (const line of lines(true)) yield* take(line);
  yield* take(''); // the stream's end also ends the last event
}
