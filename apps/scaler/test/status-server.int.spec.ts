import { ScalerMetrics } from '../src/metrics.js';
import { StatusServer } from '../src/status-server.js';

const pins = new Map<string, { replicas: number; ttlSeconds: number }>();
/** Whether a leader has published a decision. */
let decided = true;
const server = new StatusServer({
  host: '127.0.0.1',
  port: 0,
  pools: ['default'],
  loop: {
    status: () =>
      Promise.resolve({
        pools: {
          default: { current: 2, desired: 3, pinned: undefined, observation: undefined },
        },
        decisions: [],
      }),
  },
  pins: {
    set: (pool, replicas, ttlSeconds) => {
      pins.set(pool, { replicas, ttlSeconds });
      return Promise.resolve();
    },
    clear: (pool) => Promise.resolve(pins.delete(pool)),
  },
  desired: {
    read: (pool) =>
      Promise.resolve(
        decided ? { pool, desired: 3, current: 2, at: '', fencingToken: 1 } : undefined,
      ),
  },
  metrics: new ScalerMetrics(),
  isLeader: () => true,
  ready: () => Promise.resolve(true),
  maxReplicas: 6,
});

beforeAll(() => server.start());
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? JSON.parse(text) : text };
}

describe(StatusServer.name, () => {
  it('answers health, readiness, status and the desired count for KEDA', async () => {
    expect(await call('GET', '/health')).toMatchObject({ status: 200 });
    expect(await call('GET', '/ready')).toMatchObject({ status: 200 });
    expect((await call('GET', '/status')).body).toMatchObject({
      leader: true,
      pools: { default: { current: 2, desired: 3 } },
    });
    expect(await call('GET', '/v1/pools/default/desired')).toEqual({
      status: 200,
      body: { pool: 'default', desired: 3, current: 2 },
    });
    expect((await call('GET', '/v1/pools/gpu/desired')).status).toBe(404);
  });

  it('answers 503 for the desired count while no leader has decided', async () => {
    decided = false;
    expect(await call('GET', '/v1/pools/default/desired')).toMatchObject({
      status: 503,
      body: { error: { code: 'UNAVAILABLE' } },
    });
    decided = true;
  });

  it('serves its own metrics', async () => {
    const { status, body } = await call('GET', '/metrics');
    expect(status).toBe(200);
    expect(body).toContain('agentq_scaler_observation_duration_seconds');
  });

  it('pins and unpins a pool, and rejects a bad pin', async () => {
    expect(await call('POST', '/scale', { pool: 'default', replicas: 4, ttlSeconds: 60 })).toEqual({
      status: 200,
      body: { pool: 'default', replicas: 4, ttlSeconds: 60 },
    });
    expect(pins.get('default')).toEqual({ replicas: 4, ttlSeconds: 60 });
    const bad = await call('POST', '/scale', { pool: 'default', replicas: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/scale', { pool: 'default', replicas: 7 })).status).toBe(400);
    expect((await call('DELETE', '/scale/default')).status).toBe(200);
    expect((await call('DELETE', '/scale/default')).status).toBe(404);
    expect((await call('GET', '/nope')).body.error.code).toBe('NOT_FOUND');
  });
});
