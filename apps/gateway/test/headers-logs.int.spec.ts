import { Writable } from 'node:stream';
import { startGateway, useGateway } from './gateway-harness.js';

describe('security headers', () => {
  const gateway = useGateway();

  it('sends helmet headers and a strict Content-Security-Policy', async () => {
    const answer = await gateway.request('GET', '/health');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  it("sends the API's JSON answers the headers an API needs, not a page's", async () => {
    const answer = await gateway.request('GET', '/v1/pools');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(answer.headers.get('cross-origin-opener-policy')).toBeNull();
  });

  it('answers no CORS unless origins are configured', async () => {
    const preflight = await gateway.requestWith(null, 'OPTIONS', '/v1/tasks', undefined, {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('echoes a given X-Request-Id, makes one otherwise, and refuses to echo junk', async () => {
    const given = await gateway.request('GET', '/v1/pools', undefined, {
      'x-request-id': 'abc-123',
    });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = (await gateway.request('GET', '/nowhere')).headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    const junk = await gateway.request('GET', '/health', undefined, { 'x-request-id': 'a b"c' });
    expect(junk.headers.get('x-request-id')).not.toBe('a b"c');
  });

  it('carries the request id on event streams too', async () => {
    const { id } = (await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).body;
    const stream = await gateway.openEvents(id as string, { 'x-request-id': 'stream-1' });
    expect(stream.response.headers.get('x-request-id')).toBe('stream-1');
    stream.abort();
  });
});

describe('CORS, when configured', () => {
  const gateway = useGateway({ AGENTQ_CORS_ORIGINS: 'https://app.example.com' });

  it('allows the configured origin only', async () => {
    const preflight = (origin: string) =>
      gateway.requestWith(null, 'OPTIONS', '/v1/tasks', undefined, {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
    const allowed = await preflight('https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('logs', () => {
  it('carry the request id, and never an API key', async () => {
    let captured = '';
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        captured += chunk.toString();
        done();
      },
    });
    const gateway = await startGateway({}, { logs });
    const key = gateway.keys.default ?? '';
    const unknown = 'aq_an-unknown-key-that-must-not-be-logged';
    try {
      await gateway.request('POST', '/v1/tasks', { agent: 'echo' }, { 'x-request-id': 'req-42' });
      await gateway.requestWith(null, 'POST', '/v1/tasks', { agent: 'nope' }, { 'x-api-key': key });
      await gateway.requestWith(unknown, 'GET', '/v1/tasks');
      await gateway.requestWith(null, 'GET', '/v1/tasks', undefined, { 'x-api-key': unknown });
      await gateway.request('POST', '/v1/tasks', '{"broken', {
        'content-type': 'application/json',
      });
    } finally {
      await gateway.close();
    }
    const lines = captured
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      lines.find((line) => line.requestId === 'req-42' && line.msg === 'request'),
    ).toMatchObject({
      status: 201,
      tenant: 'default',
      route: '/v1/tasks',
    });
    expect(lines.filter((line) => line.msg === 'request')).toHaveLength(5);
    for (const secret of [key, unknown, key.slice(3, 20)]) expect(captured).not.toContain(secret);
  });
});
