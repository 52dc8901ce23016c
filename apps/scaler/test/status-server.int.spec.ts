import { decide, emptyHistory } from '../src/decide.js';
import type { DecisionRecord } from '../src/decision-store.js';
import { ScalerMetrics } from '../src/metrics.js';
import { StatusServer } from '../src/status-server.js';
import { testObservation, testPolicy } from './fixtures/policy.js';

const pins = new Map<string, { replicas: number; ttlSeconds: number }>();
/** The leader's latest decision (2 → 3), as the decision store holds it. */
const record: DecisionRecord = {
  ...decide(
    {
      observation: testObservation({ backlog: 1500 }),
      current: 2,
      scheduledMin: 0,
      pinned: undefined,
      now: 0,
    },
    { ...testPolicy, stepUp: 1 },
    emptyHistory,
  ).decision,
  at: new Date(0).toISOString(),
  pool: 'default',
  fencingToken: 1,
};
/** Whether a leader has published a decision, and whether this instance leads. */
let decided = true;
let leader = true;
const server = new StatusServer({
  host: '127.0.0.1',
  port: 0,
  pools: ['default'],
  loop: {
    // A standby observes nothing: its own view is all zeros.
    pools: () =>
      Promise.resolve({
        default: leader
          ? { current: 2, desired: 3, pinned: undefined, observation: testObservation() }
          : { current: 0, desired: 0, pinned: undefined, observation: undefined },
      }),
  },
  pins: {
    set: (pool, replicas, ttlSeconds) => {
      pins.set(pool, { replicas, ttlSeconds });
      return Promise.resolve();
    },
    clear: (pool) => Promise.resolve(pins.delete(pool)),
  },
  decisions: {
    latest: () => Promise.resolve(decided ? record : undefined),
    recent: () => Promise.resolve(decided ? [record] : []),
  },
  metrics: new ScalerMetrics(),
  isLeader: () => leader,
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

  it("shows the leader's desired count and decision log on a standby, and only its own workers", async () => {
    leader = false;
    const { body } = await call('GET', '/status');
    expect(body).toMatchObject({
      leader: false,
      // The leader's 2 workers may be gone with it: a standby claims none of them.
      pools: { default: { current: 0, desired: 3 } },
      decisions: [{ pool: 'default', current: 2, desired: 3, reason: 'step-limit' }],
    });
    expect((await call('GET', '/v1/pools/default/desired')).body).toEqual({
      pool: 'default',
      desired: 3,
      current: 2,
    });
    leader = true;
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
