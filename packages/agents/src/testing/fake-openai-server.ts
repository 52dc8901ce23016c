import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (body: Record<string, unknown>, res: ServerResponse) => void;

/**
 * A local server speaking the OpenAI chat-completions wire protocol, for tests of agents that
 * call `ctx.llm` (no network, no key); each test sets how it answers. Records the request
 * bodies it received.
 */
export async function startFakeOpenAi() {
  const requests: Array<Record<string, unknown>> = [];
  /** The URL (path and query) and headers of each request, in the same order. */
  const received: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
  let handler: Handler = (_, res) => res.writeHead(500).end();
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      requests.push(body);
      received.push({ url: req.url ?? '', headers: req.headers });
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    received,
    answer(next: Handler) {
      handler = next;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeOpenAi = Awaited<ReturnType<typeof startFakeOpenAi>>;

export function completion(content: string, usage = { prompt_tokens: 12, completion_tokens: 5 }) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** Streams `pieces` as SSE chunks, then usage, then [DONE]. */
export function stream(res: ServerResponse, pieces: string[]) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const event = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  for (const piece of pieces) {
    event({
      model: 'test-model',
      choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
    });
  }
  event({ model: 'test-model', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  event({
    model: 'test-model',
    choices: [],
    usage: { prompt_tokens: 9, completion_tokens: pieces.length },
  });
  res.end('data: [DONE]\n\n');
}
