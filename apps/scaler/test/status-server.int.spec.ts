import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  ApiKeyStore,
  closeRedis,
  createKey,
  createRedis,
  deleteKeysByPrefix,
  type ApiKeyEntry,
} from '@agentq/queue';
import { decide, emptyHistory } from '../src/decide.js';
import { DecisionHistory } from '../src/decision-history.js';
import type { DecisionRecord } from '../src/decision-store.js';
import { ScalerMetrics } from '../src/metrics.js';
import { StatusServer } from '../src/status-server.js';
import { testObservation, testPolicy } from './fixtures/policy.js';
import { REDIS_URL, uniquePrefix } from './redis-env.js';

const prefix = uniquePrefix('status');
const redis = createRedis(REDIS_URL, 'worker', 'test-status');
const history = new DecisionHistory(redis, prefix, { retentionMs: 3600_000, maxEntries: 100 });

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

/** A key and its keys-file entry, made the way `keys:create` makes them. */
function testKey(name: string, scopes: string[]): { key: string; entry: ApiKeyEntry } {
  const created = createKey({ tenant: 'ops', scopes, name });
  if (!created.ok) throw new Error(created.error);
  return created;
}
const admin = testKey('ops-admin', ['admin']);
const writer = testKey('ops-writer', ['tasks:write', 'tasks:read']);
/** The scaler's own log lines, parsed. */
const logLines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  }),
);
const metrics = new ScalerMetrics();
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
  history,
  metrics,
  isLeader: () => leader,
  ready: () => Promise.resolve(true),
  maxReplicas: 6,
  objectiveSeconds: 30,
  keys: new ApiKeyStore([admin.entry, writer.entry]),
  maxPinMs: 2 * 3600_000,
  logger,
});

beforeAll(() => server.start());
afterAll(async () => {
  await server.close();
  await deleteKeysByPrefix(redis, prefix);
  await closeRedis(redis);
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${admin.key}` },
) {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
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
      objectiveSeconds: 30,
      pools: { default: { current: 2, desired: 3 } },
    });
    expect(await call('GET', '/v1/pools/default/desired')).toEqual({
      status: 200,
      body: { pool: 'default', desired: 3, current: 2 },
    });
    expect((await call('GET', '/v1/pools/gpu/desired')).status).toBe(404);
    expect((await call('GET', '/v1/pools/%E0/desired')).status).toBe(400);
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
    expect((await call('DELETE', '/scale/%E0')).status).toBe(400);
    expect((await call('GET', '/nope')).body.error.code).toBe('NOT_FOUND');
  });

  it('refuses a write without a key or with an unknown one (401)', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer aq_not-a-key' }];
    for (const headers of attempts) {
      const pin = await call('POST', '/scale', { pool: 'default', replicas: 0 }, headers);
      expect(pin).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
      expect((await call('DELETE', '/scale/default', undefined, headers)).status).toBe(401);
      expect((await call('PUT', '/anything', undefined, headers)).status).toBe(401);
    }
    expect(pins.size).toBe(0);
  });

  it('refuses a write with a key that lacks the admin scope (403)', async () => {
    const pin = await call(
      'POST',
      '/scale',
      { pool: 'default', replicas: 0 },
      { 'x-api-key': writer.key },
    );
    expect(pin).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'this API key lacks the scope admin' } },
    });
    expect(pins.size).toBe(0);
  });

  it('accepts only a JSON body (415), and says what is wrong with bad JSON (400)', async () => {
    const send = (type: string, body: string) =>
      fetch(`http://127.0.0.1:${server.port}/scale`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.key}`, 'content-type': type },
        body,
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const json = JSON.stringify({ pool: 'default', replicas: 0 });
    expect(await send('text/plain', json)).toMatchObject({
      status: 415,
      body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } },
    });
    expect((await send('application/x-www-form-urlencoded', 'pool=default')).status).toBe(415);
    expect(await send('application/json; charset=utf-8', '{"pool":')).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: /^body is not JSON: / } },
    });
    const extra = await call('POST', '/scale', { pool: 'default', replicas: 1, ttl: 5 });
    expect(extra.status).toBe(400);
    expect(pins.size).toBe(0);
  });

  it('refuses a pin longer than the maximum, naming the limit', async () => {
    const long = await call('POST', '/scale', {
      pool: 'default',
      replicas: 0,
      ttlSeconds: 7 * 24 * 3600,
    });
    expect(long).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'ttlSeconds must be ≤ 7200 (AGENTQ_SCALER_MAX_PIN_MS=7200000)',
        },
      },
    });
    expect(pins.size).toBe(0);
  });

  it('logs and counts every pin set and cleared with the key that did it', async () => {
    logLines.length = 0;
    expect((await call('POST', '/scale', { pool: 'default', replicas: 2 })).body).toEqual({
      pool: 'default',
      replicas: 2,
      ttlSeconds: 3600,
    });
    expect((await call('DELETE', '/scale/default')).status).toBe(200);
    expect(logLines).toEqual([
      expect.objectContaining({
        msg: 'pin set',
        pool: 'default',
        replicas: 2,
        ttlSeconds: 3600,
        keyId: 'ops-admin',
      }),
      expect.objectContaining({ msg: 'pin cleared', pool: 'default', keyId: 'ops-admin' }),
    ]);
    expect(JSON.stringify(logLines)).not.toContain(admin.key);
    const counted = (await metrics.pins.get()).values.map((v) => [v.labels.action, v.value]);
    expect(counted).toEqual(
      expect.arrayContaining([
        ['set', 2],
        ['clear', 2],
      ]),
    );
  });

  it('pages the history of changes over GET /decisions, and refuses a bad query', async () => {
    const gpu = { ...record, pool: 'gpu' };
    for (const change of [record, gpu, record]) {
      const multi = redis.multi();
      history.append(multi, change);
      await multi.exec();
    }
    // As JSON carries them (no undefined fields).
    const sent = JSON.parse(JSON.stringify(record)) as DecisionRecord;
    const sentGpu = { ...sent, pool: 'gpu' };
    const first = await call('GET', '/decisions?limit=2', undefined, {});
    expect(first).toMatchObject({ status: 200, body: { decisions: [sent, sentGpu] } });
    const next = encodeURIComponent(first.body.next);
    expect((await call('GET', `/decisions?limit=2&before=${next}`, undefined, {})).body).toEqual({
      decisions: [sent],
      next: null,
    });
    expect((await call('GET', '/decisions?pool=default', undefined, {})).body).toEqual({
      decisions: [sent, sent],
      next: null,
    });
    for (const query of ['limit=0', 'limit=501', 'limit=x', 'before=yesterday', 'page=2']) {
      const bad = await call('GET', `/decisions?${query}`, undefined, {});
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED' } } });
    }
    expect((await call('GET', '/decisions?pool=large', undefined, {})).status).toBe(404);
  });
});
