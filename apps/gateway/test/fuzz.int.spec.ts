import fc from 'fast-check';
import { useGateway } from './gateway-harness.js';

const BODY_LIMIT = 16_384;

/** Every route, with its path parameters filled in by the fuzzer. */
const ROUTES: { method: string; path: (id: string) => string }[] = [
  { method: 'POST', path: () => '/v1/tasks' },
  { method: 'POST', path: () => '/v1/tasks/batch' },
  { method: 'GET', path: () => '/v1/tasks' },
  { method: 'GET', path: (id) => `/v1/tasks/${id}` },
  { method: 'GET', path: (id) => `/v1/tasks/${id}/logs` },
  { method: 'GET', path: (id) => `/v1/tasks/${id}/events` },
  { method: 'POST', path: (id) => `/v1/tasks/${id}/cancel` },
  { method: 'POST', path: (id) => `/v1/tasks/${id}/retry` },
  { method: 'GET', path: () => '/v1/pools' },
  { method: 'POST', path: () => '/v1/workflows' },
  { method: 'GET', path: (id) => `/v1/workflows/${id}` },
  { method: 'GET', path: (id) => `/v1/workflows/${id}/events` },
  { method: 'POST', path: (id) => `/v1/workflows/${id}/cancel` },
  { method: 'GET', path: () => '/v1/dead-letter' },
  { method: 'GET', path: (id) => `/v1/dead-letter/${id}` },
  { method: 'POST', path: () => '/v1/dead-letter/redrive' },
  { method: 'DELETE', path: (id) => `/v1/tasks/${id}` },
  { method: 'PUT', path: () => '/v1/tasks' },
  { method: 'PATCH', path: (id) => `/v1/tasks/${id}` },
];

/** Values that break naive code: huge and odd numbers, prototype keys, wrong types. */
const nasty = fc.oneof(
  fc.constantFrom(
    '1e999',
    '-1e999',
    'NaN',
    '9007199254740993',
    '0x10',
    '-0',
    '__proto__',
    'constructor',
    'prototype',
    '[object Object]',
    '',
    ' ',
    '\u0000',
    '💥',
    'a'.repeat(5000),
  ),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
);

const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1),
    fc.double(),
    nasty,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'agent',
          'input',
          'tasks',
          'priority',
          'pool',
          'idempotencyKey',
          'delayMs',
          'attempts',
          'timeoutMs',
          'metadata',
          'ids',
          'steps',
          'dependsOn',
          'id',
          '$ref',
          '__proto__',
          'constructor',
        ),
        fc.string({ maxLength: 12 }),
      ),
      tie('value'),
      { maxKeys: 6 },
    ),
  ),
})).value;

/** Deep arrays or objects, as one field of an otherwise valid body of each route. */
const deepInAField: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 65, max: 3000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  )
  .chain((deep) =>
    fc.constantFrom(
      `{"agent":"echo","input":${deep}}`,
      `{"agent":"sim","input":{"output":${deep}}}`,
      `{"agent":"echo","metadata":{"m":${deep}}}`,
      `{"tasks":[{"agent":"echo"},{"agent":"echo","input":${deep}}]}`,
      `{"steps":[{"id":"a","agent":"echo","input":${deep}}]}`,
      `{"ids":[${deep}]}`,
    ),
  );

/** Bodies: JSON of odd shapes, deep nesting, prototype pollution, broken UTF-8, oversize. */
const body: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  fc
    .record({ agent: fc.constantFrom('echo', 'sim', 'nope'), input: jsonish })
    .map((v) => JSON.stringify(v)),
  fc.record({ tasks: fc.array(jsonish, { maxLength: 5 }) }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 100, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  deepInAField,
  fc
    .integer({ min: 100, max: 3000 })
    .map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.constantFrom(
    '{"__proto__":{"polluted":true},"agent":"echo"}',
    '{"constructor":{"prototype":{"polluted":true}},"agent":"echo"}',
    '{"agent":"echo","input":{"__proto__":{"isAdmin":true}}}',
    '{"agent":"echo",',
    '{"agent":"echo"}{"agent":"echo"}',
    '{"agent":"echo","priority":"normal","priority":"critical"}',
    '{"agent":1e999}',
    '"\\ud800"',
  ),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) => Uint8Array.from([0x7b, 0xff, 0xfe, ...bytes])),
  fc
    .integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 4 })
    .map((size) => `{"agent":"echo","input":"${'x'.repeat(size)}"}`),
  fc.string({ maxLength: 200 }),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  'json',
  '',
  undefined,
);

const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'wait',
        'state',
        'pool',
        'agent',
        'limit',
        'cursor',
        'offset',
        '__proto__',
        'constructor',
        'a[b]',
        'limit[]',
        '',
      ),
      fc.oneof(nasty, fc.constantFrom('-1', '61', '1e308', 'completed', 'default', '1')),
    ),
    { maxLength: 4 },
  )
  // `wait` with a valid value would hold the request open: keep only invalid ones.
  .map((pairs) =>
    pairs.filter(([key, value]) => key !== 'wait' || !(Number(value) >= 0 && Number(value) <= 60)),
  )
  .map((pairs) =>
    pairs
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&'),
  );

/** Printable ASCII only: fetch itself refuses other header bytes. */
const headerValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 80,
  }),
  fc.constantFrom('1e999', '-1', '__proto__', 'Bearer', 'Bearer ', 'Basic !!!'),
);

const id = fc.oneof(
  fc.uuid(),
  nasty.map((value) => encodeURIComponent(value)),
  fc.constantFrom(
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%ff%fe',
    '__proto__',
    'constructor',
    'a'.repeat(300),
    // BullMQ's own keys beside the job hashes.
    'events',
    'meta',
    'marker',
    'stalled-check',
    'prioritized',
    'delayed',
    'active',
    'id',
  ),
);

describe('hostile input', () => {
  const gateway = useGateway({ AGENTQ_GATEWAY_BODY_LIMIT_BYTES: String(BODY_LIMIT) });

  it('answers every malformed request with a 4xx JSON error, never a 5xx', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          route: fc.constantFrom(...ROUTES),
          id,
          query,
          body,
          contentType,
          auth: fc.oneof(
            { weight: 8, arbitrary: fc.constant('key') },
            { weight: 1, arbitrary: fc.constant('none') },
            { weight: 1, arbitrary: headerValue },
          ),
          idempotencyKey: fc.option(headerValue, { nil: undefined }),
          lastEventId: fc.option(headerValue, { nil: undefined }),
          requestId: fc.option(headerValue, { nil: undefined }),
        }),
        async (input) => {
          const headers: Record<string, string> = {};
          if (input.auth === 'key') headers.authorization = `Bearer ${gateway.keys.default}`;
          else if (input.auth !== 'none') headers.authorization = input.auth;
          if (input.contentType !== undefined) headers['content-type'] = input.contentType;
          if (input.idempotencyKey !== undefined) headers['idempotency-key'] = input.idempotencyKey;
          if (input.lastEventId !== undefined) headers['last-event-id'] = input.lastEventId;
          if (input.requestId !== undefined) headers['x-request-id'] = input.requestId;
          const method = input.route.method;
          const url = `${gateway.baseUrl}${input.route.path(input.id)}${input.query ? `?${input.query}` : ''}`;
          const controller = new AbortController();
          const response = await fetch(url, {
            method,
            headers,
            body: method === 'GET' ? undefined : input.body,
            signal: controller.signal,
          });
          seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
            controller.abort(); // a stream opened on a task the fuzzer created: fine
            return;
          }
          const text = await response.text();
          if (response.status >= 500)
            throw new Error(`${method} ${url} -> ${response.status} ${text}`);
          if (response.status >= 400) {
            const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            expect({
              status: response.status,
              code: typeof parsed.error?.code,
              message: typeof parsed.error?.message,
              text: text.slice(0, 200),
            }).toEqual({
              status: response.status,
              code: 'string',
              message: 'string',
              text: text.slice(0, 200),
            });
          }
        },
      ),
      { numRuns: 3000, interruptAfterTimeLimit: 45_000 },
    );
    // The run reached the handlers, not only the auth guard.
    expect(
      [...seen.keys()].filter((status) => status >= 400 && status !== 401).length,
    ).toBeGreaterThan(2);
    expect({}).not.toHaveProperty('polluted');

    // Still serving.
    const submitted = await gateway.request('POST', '/v1/tasks', { agent: 'echo', input: 'after' });
    expect(submitted.status).toBe(201);
    const read = await gateway.request('GET', `/v1/tasks/${submitted.body.id}`);
    expect(read.body).toMatchObject({ id: submitted.body.id, agent: 'echo' });
  }, 120_000);
});
