import { randomUUID } from 'node:crypto';
import { useGateway } from './gateway-harness.js';

const gateway = useGateway();

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A raw body (string or bytes) as a client sends it, with the default key. */
function send(method: string, path: string, body: string | Uint8Array | undefined) {
  return gateway.fetch(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body,
  });
}

async function errorOf(response: Response) {
  const { error } = (await response.json()) as {
    error: { code: string; message: string; details?: { path: string; message: string }[] };
  };
  return { status: response.status, ...error };
}

describe('bodies no code may walk', () => {
  it.each([
    ['/v1/tasks', `{"agent":"echo","input":${deepArray(5000)}}`, 'body.input.0.0.0…'],
    ['/v1/tasks', `{"agent":"sim","input":{"output":${deepArray(200)}}}`, 'body.input.output.0.0…'],
    [
      '/v1/tasks/batch',
      `{"tasks":[{"agent":"echo"},{"agent":"echo","input":${deepArray(5000)}}]}`,
      'body.tasks.1.input.0…',
    ],
    [
      '/v1/workflows',
      `{"steps":[{"id":"a","agent":"echo","input":${deepArray(5000)}}]}`,
      'body.steps.0.input.0…',
    ],
  ])('refuses nesting past the limit on %s, naming where and the limit', async (path, body, at) => {
    const error = await errorOf(await send('POST', path, body));
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'body nests deeper than 64 levels',
      details: [{ path: at, message: expect.stringContaining('AGENTQ_GATEWAY_BODY_MAX_DEPTH') }],
    });
  });

  it('accepts nesting up to the limit', async () => {
    const response = await send('POST', '/v1/tasks', `{"agent":"echo","input":${deepArray(62)}}`);
    expect(response.status).toBe(201);
  });

  it("refuses bytes that are not UTF-8 rather than changing the client's text", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"agent":"echo","input":"A'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('Z"}'),
    ]);
    expect(await errorOf(await send('POST', '/v1/tasks', bytes))).toMatchObject({
      status: 400,
      message: 'body is not valid UTF-8',
    });
  });

  it('says what is refused in a body with a __proto__ key, and where', async () => {
    const error = await errorOf(
      await send('POST', '/v1/tasks', '{"agent":"echo","input":{"__proto__":{"admin":true}}}'),
    );
    expect(error).toMatchObject({
      status: 400,
      message: expect.stringContaining('"__proto__" key, refused'),
      details: [{ path: 'body.input.__proto__' }],
    });
  });
});

describe('ids that are BullMQ key names', () => {
  it.each(['events', 'meta', 'marker', 'stalled-check', 'prioritized', 'delayed', 'active', 'id'])(
    'answers 404 for task %s on every route',
    async (id) => {
      const answers = await Promise.all([
        gateway.request('GET', `/v1/tasks/${id}`),
        gateway.request('GET', `/v1/tasks/${id}/logs`),
        gateway.request('GET', `/v1/tasks/${id}/events`),
        gateway.request('POST', `/v1/tasks/${id}/cancel`),
        gateway.request('POST', `/v1/tasks/${id}/retry`),
        gateway.request('GET', `/v1/dead-letter/${id}`),
        gateway.request('GET', `/v1/workflows/${id}`),
      ]);
      for (const answer of answers) {
        expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
          status: 404,
          code: 'NOT_FOUND',
        });
      }
    },
  );
});

describe('messages that name the problem', () => {
  it('names the Idempotency-Key header, not a body field', async () => {
    const response = await gateway.request(
      'POST',
      '/v1/tasks',
      { agent: 'echo' },
      { 'idempotency-key': 'k'.repeat(1000) },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('headers.idempotency-key');
  });

  it('names a repeated query parameter', async () => {
    const response = await gateway.request('POST', '/v1/tasks?wait=1&wait=2', { agent: 'echo' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      message: 'query parameter wait given more than once',
      details: [{ path: 'query.wait' }],
    });
  });

  it('accepts an empty JSON body where a route takes none, and asks for one where it does', async () => {
    const submitted = await gateway.request('POST', '/v1/tasks', {
      agent: 'echo',
      delayMs: 60_000,
    });
    const { id } = submitted.body as { id: string };
    const cancel = await send('POST', `/v1/tasks/${id}/cancel`, '');
    expect(cancel.status).toBe(200);
    const retry = await send('POST', `/v1/tasks/${randomUUID()}/retry`, '');
    expect(retry.status).toBe(404);
    expect(await errorOf(await send('POST', '/v1/tasks', ''))).toMatchObject({
      status: 400,
      message: 'this route needs a JSON body',
    });
  });
});
