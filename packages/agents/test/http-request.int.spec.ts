import { createServer, type ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { AddressInfo } from 'node:net';
import { httpRequestAgent, HttpRequestInputSchema } from '../src/builtin/http-request.agent.js';
import {
  InvalidInputError,
  RateLimitedError,
  TimeoutError,
  TransientError,
} from '../src/errors.js';
import { GuardedHttpClient, type HttpPolicy } from '../src/net/http-client.js';
import { createTestContext } from '../src/testing/test-context.js';

let answer: (res: ServerResponse, body: string) => void;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => answer(res, body));
});
let port: number;
const clients: GuardedHttpClient[] = [];

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

beforeEach(() => {
  answer = (res, body) => res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${body}`);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function send(input: unknown, policy: HttpPolicy) {
  const http = new GuardedHttpClient(policy);
  clients.push(http);
  return httpRequestAgent.run(HttpRequestInputSchema.parse(input), createTestContext({ http }));
}

const loopbackAllowed: HttpPolicy = {
  allowHosts: ['127.0.0.1', 'localhost'],
  allowAddresses: ['127.0.0.1', '::1'],
};

describe('http.request', () => {
  it('sends a request to an allowed host and returns status, headers and body', async () => {
    const response = await send(
      { method: 'POST', url: `http://127.0.0.1:${port}/echo`, body: 'ping' },
      loopbackAllowed,
    );
    expect(response).toMatchObject({ status: 200, body: 'got ping' });
    expect(response.headers['content-type']).toBe('text/plain');
  });

  it('refuses a host that is not on the allowlist', async () => {
    const failure = send({ url: `http://127.0.0.1:${port}/` }, { allowHosts: ['api.example.com'] });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow('not on the allowlist');
  });

  it('refuses a Host header that could name another site', async () => {
    const failure = send(
      { url: `http://127.0.0.1:${port}/`, headers: { Host: 'internal.example' } },
      loopbackAllowed,
    );
    await expect(failure).rejects.toThrow('Host header');
  });

  it('refuses a loopback address unless it is explicitly allowed', async () => {
    const failure = send({ url: `http://127.0.0.1:${port}/` }, { allowHosts: ['127.0.0.1'] });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow('refused');
  });

  it('refuses a name that resolves to a loopback address, checked after DNS', async () => {
    const failure = send({ url: `http://localhost:${port}/` }, { allowHosts: ['localhost'] });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow('resolves to refused addresses');
  });

  it('connects to a resolved name whose address is allowed', async () => {
    await expect(
      send({ url: `http://localhost:${port}/` }, loopbackAllowed),
    ).resolves.toMatchObject({
      status: 200,
    });
  });

  it('refuses private and link-local literals such as the cloud metadata address', async () => {
    const policy = { allowHosts: ['169.254.169.254', '10.0.0.1'] };
    await expect(send({ url: 'http://169.254.169.254/latest/meta-data' }, policy)).rejects.toThrow(
      'refused',
    );
    await expect(send({ url: 'http://10.0.0.1/' }, policy)).rejects.toThrow('refused');
  });

  it('caps the response size, with or without a content-length', async () => {
    const policy = { ...loopbackAllowed, maxResponseBytes: 1000 };
    answer = (res) => res.writeHead(200).end('x'.repeat(2000));
    await expect(send({ url: `http://127.0.0.1:${port}/` }, policy)).rejects.toThrow(
      'larger than 1000 bytes',
    );
    answer = (res) => {
      res.writeHead(200); // chunked
      for (let index = 0; index < 20; index++) res.write('y'.repeat(100));
      res.end();
    };
    await expect(send({ url: `http://127.0.0.1:${port}/` }, policy)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('times out a slow server', async () => {
    answer = () => undefined;
    const failure = send({ url: `http://127.0.0.1:${port}/`, timeoutMs: 100 }, loopbackAllowed);
    await expect(failure).rejects.toBeInstanceOf(TimeoutError);
  });

  it('returns a 404 but retries a 5xx and delays on a 503 with Retry-After', async () => {
    const url = `http://127.0.0.1:${port}/`;
    answer = (res) => res.writeHead(404).end('nope');
    await expect(send({ url }, loopbackAllowed)).resolves.toMatchObject({
      status: 404,
      body: 'nope',
    });
    answer = (res) => res.writeHead(502).end();
    await expect(send({ url }, loopbackAllowed)).rejects.toBeInstanceOf(TransientError);
    answer = (res) => res.writeHead(503, { 'retry-after': '3' }).end();
    await expect(send({ url }, loopbackAllowed)).rejects.toMatchObject({
      constructor: RateLimitedError,
      retryAfterMs: 3000,
    });
  });

  it('reports an unreachable server as transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      send({ url: `http://127.0.0.1:${closedPort}/` }, loopbackAllowed),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('makes a client span of each call, without the query, and sends no trace header', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    let headers: Record<string, unknown> = {};
    answer = (res) => res.writeHead(404).end('not here');
    server.once('request', (req: { headers: Record<string, unknown> }) => (headers = req.headers));
    try {
      await send({ url: `http://127.0.0.1:${port}/status?token=secret` }, loopbackAllowed);
      const [span] = exporter.getFinishedSpans();
      expect(span?.name).toBe('GET');
      expect(span?.attributes).toEqual({
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'url.full': `http://127.0.0.1:${port}/status`,
        'http.response.status_code': 404,
      });
      expect(headers).not.toHaveProperty('traceparent');
    } finally {
      trace.disable();
    }
  });
});
