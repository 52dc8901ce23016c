import { AppProcess, type LogLine } from '../helpers/app-process.js';
import { TEST_KEY, makeApiKey } from '../helpers/api-keys.js';
import { http } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { pollUntil } from '../helpers/system.js';

// The scaler as a real process with real workers: its control API takes writes from admin
// keys only, and its own log lines are not buried under its workers'.

const prefix = uniquePrefix('scaler-control');
const reader = makeApiKey('ops', ['tasks:read', 'tasks:write']);
const running: AppProcess[] = [];

/** A scaler holding one local worker, with TEST_KEY (every scope) and a non-admin key. */
async function startScaler(env: Record<string, string> = {}) {
  const port = await freePort();
  const scaler = AppProcess.app('scaler', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_LOG_LEVEL: 'info',
    AGENTQ_API_KEYS: [TEST_KEY.line, reader.line].join('\n'),
    AGENTQ_SCALER_HTTP_PORT: String(port),
    AGENTQ_SCALER_INTERVAL_MS: '500',
    AGENTQ_SCALER_MIN_REPLICAS: '1',
    AGENTQ_SCALER_MAX_REPLICAS: '2',
    AGENTQ_SCALER_LEASE_TTL_MS: '2000',
    ...env,
  });
  running.push(scaler);
  await scaler.waitFor((line) => line.app === 'scaler' && line.msg === 'ready', 'ready');
  return { scaler, url: `http://127.0.0.1:${port}` };
}

const fromWorker = (line: LogLine) => line.app === 'worker';

afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

const cleanups = [prefix];
afterAll(() => Promise.all(cleanups.map((each) => deletePrefix(each))));

describe('scaler control API and logs', () => {
  it('takes pins from admin keys only, logs who set them, and keeps workers out of its log', async () => {
    const { scaler, url } = await startScaler();
    // The worker is up (it told the actuator so on its stdout) ...
    await pollUntil(async () => {
      const { body } = await http('GET', `${url}/status`, undefined, null);
      return body.pools.default.workers?.[0]?.state === 'ready';
    }, 'the worker to be ready');

    expect(
      (await http('POST', `${url}/scale`, { pool: 'default', replicas: 2 }, null)).status,
    ).toBe(401);
    const forbidden = await http(
      'POST',
      `${url}/scale`,
      { pool: 'default', replicas: 2 },
      reader.key,
    );
    expect(forbidden.status).toBe(403);
    const text = await fetch(`${url}/scale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY.key}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ pool: 'default', replicas: 0 }),
    });
    expect(text.status).toBe(415);
    const week = { pool: 'default', replicas: 0, ttlSeconds: 7 * 24 * 3600 };
    const tooLong = await http('POST', `${url}/scale`, week);
    expect(tooLong).toMatchObject({ status: 400, body: { error: { message: /≤ 86400/ } } });

    expect((await http('POST', `${url}/scale`, { pool: 'default', replicas: 2 })).status).toBe(200);
    const pinned = await scaler.waitForMessage('pin set');
    expect(pinned).toMatchObject({ pool: 'default', replicas: 2 });
    expect(pinned.keyId).toBe(JSON.parse(TEST_KEY.line).hash.slice('sha256:'.length, 19));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('agentq_scaler_pins_total{pool="default",action="set"} 1');
    expect(metrics).toContain('agentq_scaler_leadership_changes_total{change="acquired"} 1');

    // ... but none of its lines reached the scaler's output, before or after it stopped.
    await scaler.stop();
    expect(scaler.lines.filter(fromWorker)).toEqual([]);
    expect(scaler.lines.some((line) => line.msg === 'worker stopped')).toBe(true);
  });

  it('is reachable through the gateway for admin keys: status, decisions, pin, unpin', async () => {
    // A prefix of its own: the pin of the test before outlives it.
    const own = uniquePrefix('scaler-gateway');
    cleanups.push(own);
    const { url } = await startScaler({ AGENTQ_PREFIX: own });
    const gateway = AppProcess.app('gateway', {
      AGENTQ_PREFIX: own,
      PORT: '0',
      AGENTQ_GATEWAY_HOST: '127.0.0.1',
      AGENTQ_API_KEYS: [TEST_KEY.line, reader.line].join('\n'),
      AGENTQ_SCALER_URL: url,
    });
    running.push(gateway);
    const base = `${String((await gateway.waitForMessage('ready')).url)}/v1/scaler`;

    let status = await http('GET', `${base}/status`);
    await pollUntil(async () => {
      status = await http('GET', `${base}/status`);
      return status.body.decisions?.length > 0;
    }, 'a first decision through the gateway');
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      leader: true,
      objectiveSeconds: 30,
      pools: { default: { current: 1 } },
    });
    expect(status.body.decisions[0]).toMatchObject({ pool: 'default', reason: expect.any(String) });
    expect((await http('GET', `${base}/status`, undefined, reader.key)).status).toBe(403);

    const pinned = await http('PUT', `${base}/pins/default`, { replicas: 2, ttlSeconds: 60 });
    expect(pinned).toMatchObject({
      status: 200,
      body: { pool: 'default', replicas: 2, ttlSeconds: 60 },
    });
    let decisions = await http('GET', `${base}/decisions?pool=default&limit=5`);
    await pollUntil(async () => {
      decisions = await http('GET', `${base}/decisions?pool=default&limit=5`);
      return decisions.body.decisions?.[0]?.reason === 'pinned';
    }, 'the pin to be decided');
    expect(decisions.body.decisions[0]).toMatchObject({ desired: 2, fencingToken: 1 });
    // The scaler's own refusals come through as they are; the gateway's checks come first.
    expect(await http('PUT', `${base}/pins/nope`, { replicas: 1 })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'unknown pool nope' } },
    });
    expect(await http('PUT', `${base}/pins/default`, { replicas: -1 })).toMatchObject({
      status: 400,
      body: { error: { details: [{ path: 'body.replicas' }] } },
    });
    expect((await http('GET', `${base}/decisions?limit=501`)).status).toBe(400);
    expect((await http('DELETE', `${base}/pins/default`)).body).toEqual({
      pool: 'default',
      pinned: false,
    });
    expect((await http('DELETE', `${base}/pins/default`)).status).toBe(404);
  });

  it("re-writes the workers' lines when asked to (pnpm start does)", async () => {
    const { scaler } = await startScaler({ AGENTQ_SCALER_CHILD_LOGS: 'inherit' });
    await scaler.waitFor((line) => fromWorker(line) && line.msg === 'ready', 'a worker ready');
  });
});
