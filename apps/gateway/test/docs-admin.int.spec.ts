import { startGateway, useGateway } from './gateway-harness.js';

describe('API documentation', () => {
  const gateway = useGateway();

  it('serves an OpenAPI document generated from the contracts', async () => {
    const response = await gateway.request('GET', '/docs/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.0.3');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tasks',
        '/v1/tasks/batch',
        '/v1/tasks/{id}/events',
        '/v1/workflows',
        '/v1/workflows/{id}/events',
        '/v1/pools',
        '/v1/dead-letter',
        '/v1/dead-letter/redrive',
      ]),
    );
    const spec =
      response.body.paths['/v1/tasks'].post.requestBody.content['application/json'].schema;
    expect(spec.required).toEqual(['agent']);
    expect(spec.properties.priority.enum).toEqual(['critical', 'high', 'normal', 'low']);
  });

  it('serves a browsable page whose scripts come from the gateway itself', async () => {
    const page = await gateway.request('GET', '/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const script = await gateway.request('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await gateway.request('GET', '/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('keeps Bull Board off unless enabled', async () => {
    expect((await gateway.request('GET', '/admin/queues')).status).toBe(404);
  });
});

describe('Bull Board', () => {
  it('shows every pool queue at /admin/queues to a key with the admin scope', async () => {
    const gateway = await startGateway(
      { AGENTQ_GATEWAY_ADMIN_UI: 'true' },
      { keys: { operator: { tenant: 'ops', scopes: ['admin'] } } },
    );
    try {
      const page = await gateway.requestWith(gateway.keys.operator ?? '', 'GET', '/admin/queues');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const basic = Buffer.from(`ops:${gateway.keys.operator}`).toString('base64');
      const api = await gateway.requestWith(null, 'GET', '/admin/queues/api/queues', undefined, {
        authorization: `Basic ${basic}`,
      });
      expect(api.status).toBe(200);
      const names = (api.body.queues as { name: string; readOnlyMode: boolean }[]).map(
        (q) => q.name,
      );
      expect(names.sort()).toEqual(['agentq-default', 'agentq-large']);
      expect(api.body.queues[0].readOnlyMode).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('asks a browser for the key (401, Basic) and refuses keys without the admin scope', async () => {
    const gateway = await startGateway(
      { AGENTQ_GATEWAY_ADMIN_UI: 'true' },
      { keys: { worker: { tenant: 'default', scopes: ['tasks:read', 'tasks:write'] } } },
    );
    try {
      const anonymous = await gateway.requestWith(null, 'GET', '/admin/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="agentq admin"');
      expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
      const api = await gateway.requestWith(
        gateway.keys.worker ?? '',
        'PUT',
        '/admin/queues/api/queues/pause',
      );
      expect(api.status).toBe(403);
      expect(api.body.error.code).toBe('FORBIDDEN');
    } finally {
      await gateway.close();
    }
  });
});
