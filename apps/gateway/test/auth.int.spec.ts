import { SCOPES, type Scope } from '@agentq/contracts';
import { addDeadLetter } from '@agentq/queue';
import { useGateway, type HttpAnswer, idFor } from './gateway-harness.js';

/** Every scope but one: the key that must be refused a route needing `scope`. */
const allBut = (scope: Scope) => SCOPES.filter((s) => s !== scope);

interface Ids {
  task: string;
  workflow: string;
}

interface Endpoint {
  method: string;
  path: (ids: Ids) => string;
  scope: Scope;
  body?: unknown;
}

/** Every API route, with a request that would succeed for the right key. */
const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: () => '/v1/tasks', scope: 'tasks:write', body: { agent: 'echo' } },
  {
    method: 'POST',
    path: () => '/v1/tasks/batch',
    scope: 'tasks:write',
    body: { tasks: [{ agent: 'echo' }] },
  },
  { method: 'GET', path: () => '/v1/tasks', scope: 'tasks:read' },
  { method: 'GET', path: ({ task }) => `/v1/tasks/${task}`, scope: 'tasks:read' },
  { method: 'GET', path: ({ task }) => `/v1/tasks/${task}/logs`, scope: 'tasks:read' },
  { method: 'GET', path: ({ task }) => `/v1/tasks/${task}/events`, scope: 'tasks:read' },
  { method: 'POST', path: ({ task }) => `/v1/tasks/${task}/cancel`, scope: 'tasks:write' },
  { method: 'POST', path: ({ task }) => `/v1/tasks/${task}/retry`, scope: 'tasks:write' },
  { method: 'GET', path: () => '/v1/pools', scope: 'tasks:read' },
  {
    method: 'POST',
    path: () => '/v1/workflows',
    scope: 'tasks:write',
    body: { steps: [{ id: 'a', agent: 'echo' }] },
  },
  { method: 'GET', path: ({ workflow }) => `/v1/workflows/${workflow}`, scope: 'tasks:read' },
  {
    method: 'GET',
    path: ({ workflow }) => `/v1/workflows/${workflow}/events`,
    scope: 'tasks:read',
  },
  {
    method: 'POST',
    path: ({ workflow }) => `/v1/workflows/${workflow}/cancel`,
    scope: 'tasks:write',
  },
  { method: 'GET', path: () => '/v1/dead-letter', scope: 'tasks:read' },
  { method: 'GET', path: () => '/v1/dead-letter/dead-1', scope: 'tasks:read' },
  {
    method: 'POST',
    path: () => '/v1/dead-letter/redrive',
    scope: 'tasks:write',
    body: { ids: ['dead-1'] },
  },
];

const keys = {
  other: { tenant: 'other', scopes: SCOPES },
  ...Object.fromEntries(
    SCOPES.map((scope) => [`only ${scope}`, { tenant: 'default', scopes: [scope] }]),
  ),
  ...Object.fromEntries(
    SCOPES.map((scope) => [`all but ${scope}`, { tenant: 'default', scopes: allBut(scope) }]),
  ),
};

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function expectError(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
  expect(typeof answer.body.error.message).toBe('string');
}

describe('API key authentication', () => {
  const gateway = useGateway({ AGENTQ_GATEWAY_ADMIN_UI: 'true' }, { keys });
  const ids: Ids = { task: '', workflow: '' };

  beforeAll(async () => {
    ids.task = (await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).body.id as string;
    const workflow = await gateway.request('POST', '/v1/workflows', {
      steps: [{ id: 'a', agent: 'echo' }],
    });
    ids.workflow = workflow.body.id as string;
  });

  describe.each(ENDPOINTS)('$method $scope', ({ method, path, scope, body }) => {
    const call = async (key: string | null, headers: Record<string, string> = {}) => {
      if (!path(ids).endsWith('/events')) {
        return gateway.requestWith(key, method, path(ids), body, headers);
      }
      // An event stream that opens does not end: read its status, then hang up.
      const controller = new AbortController();
      const response = await gateway.fetch(path(ids), { headers, signal: controller.signal }, key);
      const text = response.status === 200 ? '' : await response.text();
      controller.abort();
      return { status: response.status, headers: response.headers, body: parse(text), text };
    };

    it('answers 401 without a key', async () => {
      expectError(await call(null), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an unknown key, in either header', async () => {
      const bad = 'aq_not-a-key-this-gateway-knows';
      expectError(await call(bad), 401, 'UNAUTHENTICATED');
      expectError(await call(null, { 'x-api-key': bad }), 401, 'UNAUTHENTICATED');
      expectError(await call(null, { authorization: `Basic ${bad}` }), 401, 'UNAUTHENTICATED');
    });

    it('answers 403 for a key without the scope', async () => {
      const answer = await call(gateway.keys[`all but ${scope}`] ?? null);
      expectError(answer, 403, 'FORBIDDEN');
      expect(answer.body.error.details).toEqual({ missing: [scope] });
    });

    it('serves a key with the scope, sent as Bearer or as X-API-Key', async () => {
      const key = gateway.keys[`only ${scope}`] ?? '';
      for (const answer of [await call(key), await call(null, { 'x-api-key': key })]) {
        // Served: whatever the task's state makes of it (a second cancel is a 409, an unknown
        // dead letter a 404 with the error code of a missing one, not of a refusal).
        expect([200, 201, 202, 404, 409]).toContain(answer.status);
      }
    });
  });

  it('leaves health, readiness, metrics and docs public', async () => {
    for (const path of ['/health', '/ready', '/metrics', '/docs', '/docs/openapi.json']) {
      expect((await gateway.requestWith(null, 'GET', path)).status).toBe(200);
    }
  });

  it('asks for a key on every route but the public ones, routes added later included', async () => {
    const fastify = gateway.app.getHttpAdapter().getInstance();
    const routes = listRoutes(fastify.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(40); // the board's API is there too
    const open: string[] = [];
    for (const { method, path } of routes) {
      const url = path.replace(/:\w+|\*/g, 'x');
      const answer = await gateway.requestWith(null, method, url);
      // 404: the sample URL matched no route after all (a wildcard's), so nothing was served.
      if (answer.status !== 401 && answer.status !== 404) {
        open.push(`${method} ${path} ${answer.status}`);
      }
    }
    expect(open.map((line) => line.split(' ')[1])).toEqual(
      expect.arrayContaining(['/health', '/ready', '/metrics', '/docs']),
    );
    // The console's static pages are public too: its data comes from the API, with a key.
    expect(
      open.filter((line) => !/^GET \/(health|ready|metrics|docs|console)\b/.test(line)),
    ).toEqual([]);
  });
});

/** Method and full path of each route in Fastify's `printRoutes()` tree (HEAD left out). */
function listRoutes(tree: string): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const parents: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (parents[depth - 1] ?? '') + (match[2] ?? '');
    parents[depth] = path;
    for (const method of (match[3] ?? '').split(', ')) {
      if (method !== '' && method !== 'HEAD') routes.push({ method, path });
    }
  }
  return routes;
}

describe('GET /v1/me', () => {
  const gateway = useGateway({}, { keys });

  it("answers any key's tenant and scopes, and 401 without one", async () => {
    const onlyRead = await gateway.requestWith(
      gateway.keys['only tasks:read'] ?? '',
      'GET',
      '/v1/me',
    );
    expect(onlyRead.status).toBe(200);
    expect(onlyRead.body).toEqual({
      keyId: expect.any(String),
      tenant: 'default',
      scopes: ['tasks:read'],
    });
    const other = await gateway.requestWith(gateway.keys.other ?? '', 'GET', '/v1/me');
    expect(other.body).toMatchObject({ tenant: 'other', scopes: [...SCOPES] });
    expectError(await gateway.requestWith(null, 'GET', '/v1/me'), 401, 'UNAUTHENTICATED');
  });
});

describe('tenant isolation', () => {
  const gateway = useGateway({}, { keys });
  const asOther = (method: string, path: string, body?: unknown) =>
    gateway.requestWith(gateway.keys.other ?? '', method, path, body);
  let taskId: string;

  beforeAll(async () => {
    const submitted = await gateway.request('POST', '/v1/tasks', {
      agent: 'echo',
      idempotencyKey: 'shared-key',
    });
    taskId = submitted.body.id as string;
  });

  it.each([
    ['GET', ''],
    ['GET', '?wait=1'],
    ['GET', '/logs'],
    ['GET', '/events'],
    ['POST', '/cancel'],
    ['POST', '/retry'],
  ])("answers 404 for another tenant's task: %s %s", async (method, suffix) => {
    const path = `/v1/tasks/${taskId}${suffix}`;
    expectError(await asOther(method, path), 404, 'NOT_FOUND');
    // The owner still sees it.
    expect((await gateway.request('GET', `/v1/tasks/${taskId}`)).status).toBe(200);
  });

  it.each([
    ['GET', ''],
    ['GET', '?wait=1'],
    ['GET', '/events'],
    ['POST', '/cancel'],
  ])("answers 404 for another tenant's workflow: %s %s", async (method, suffix) => {
    const workflow = await gateway.request('POST', '/v1/workflows', {
      steps: [{ id: 'a', agent: 'echo' }],
    });
    const path = `/v1/workflows/${String(workflow.body.id)}`;
    expectError(await asOther(method, `${path}${suffix}`), 404, 'NOT_FOUND');
    expect((await gateway.request('GET', path)).status).toBe(200);
  });

  it("answers 404 for another tenant's dead letter, lists none of them and redrives none", async () => {
    await addDeadLetter(gateway.redis, gateway.prefix, {
      pool: 'default',
      taskId: idFor('dead-of-default'),
      name: 'echo',
      data: { v: 1, agent: 'echo', input: {}, tenant: 'default' },
      opts: { attempts: 1 },
      failedReason: '[TRANSIENT] upstream 502',
      attemptsMade: 1,
      attempts: [],
      createdAt: 1_000,
      failedAt: 2_000,
    });
    expect(
      (await gateway.request('GET', `/v1/dead-letter/${idFor('dead-of-default')}`)).status,
    ).toBe(200);
    expectError(
      await asOther('GET', `/v1/dead-letter/${idFor('dead-of-default')}`),
      404,
      'NOT_FOUND',
    );
    expect((await asOther('GET', '/v1/dead-letter')).body.deadLetters).toEqual([]);
    const redrive = await asOther('POST', '/v1/dead-letter/redrive', {
      ids: [idFor('dead-of-default')],
    });
    expect(redrive.body).toMatchObject({ redriven: [], notFound: [idFor('dead-of-default')] });
    const pool = await asOther('POST', '/v1/dead-letter/redrive', { pool: 'default' });
    expect(pool.body.redriven).toEqual([]);
    expect((await gateway.request('GET', '/v1/dead-letter')).body.total).toBe(1);
  });

  it("lists only the tenant's own tasks", async () => {
    const own = await asOther('POST', '/v1/tasks', { agent: 'echo' });
    const listed = await asOther('GET', '/v1/tasks');
    expect(listed.body.tasks.map((t: { id: string }) => t.id)).toEqual([own.body.id]);
    const mine = await gateway.request('GET', '/v1/tasks');
    expect(mine.body.tasks.map((t: { id: string }) => t.id)).not.toContain(own.body.id);
  });

  it('keeps idempotency keys apart per tenant', async () => {
    const again = await asOther('POST', '/v1/tasks', {
      agent: 'echo',
      input: 2,
      idempotencyKey: 'shared-key',
    });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(taskId);
  });

  it('does not let a batch of another tenant touch these tasks', async () => {
    const batch = await asOther('POST', '/v1/tasks/batch', {
      tasks: [{ agent: 'echo', input: 2, idempotencyKey: 'shared-key' }],
    });
    expect(batch.status).toBe(201);
    expect(batch.body.tasks[0].id).not.toBe(taskId);
  });
});

describe('AGENTQ_AUTH=off', () => {
  const gateway = useGateway({ AGENTQ_AUTH: 'off' });

  it('serves without a key, every request as tenant default with every scope', async () => {
    const submitted = await gateway.requestWith(null, 'POST', '/v1/tasks', { agent: 'echo' });
    expect(submitted.status).toBe(201);
    const job = await gateway.queues.get('default')?.getJob(submitted.body.id as string);
    expect(job?.data.tenant).toBe('default');
    expect((await gateway.requestWith('aq_whatever', 'GET', '/v1/pools')).status).toBe(200);
  });
});
