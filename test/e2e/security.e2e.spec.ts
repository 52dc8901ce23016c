import { AppProcess } from '../helpers/app-process.js';
import { TEST_KEY, gatewayKeyEnv, makeApiKey } from '../helpers/api-keys.js';
import { http } from '../helpers/http.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';
import { TestRedisServer } from '../helpers/redis-server.js';

// Gateways as real processes: replicas share one rate-limit budget per key through Redis,
// and the whole system runs against a Redis that requires a password.

const running: AppProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop()));
});

async function startGateway(env: Record<string, string>): Promise<string> {
  const gateway = AppProcess.app('gateway', {
    PORT: '0',
    AGENTQ_GATEWAY_HOST: '127.0.0.1',
    ...env,
  });
  running.push(gateway);
  return String((await gateway.waitForMessage('ready')).url);
}

describe('rate limits across gateway replicas', () => {
  const prefix = uniquePrefix('security');

  afterAll(async () => {
    await deletePrefix(prefix);
  });

  it('spends one budget per key, whichever gateway answers', async () => {
    // A burst of 10 refilled at 1 a minute: the run ends long before a token comes back.
    const limited = makeApiKey('acme', ['tasks:read'], {
      rateLimit: { perMinute: 1, burst: 10 },
    });
    const env = { AGENTQ_PREFIX: prefix, ...gatewayKeyEnv([TEST_KEY, limited]) };
    const urls = await Promise.all([startGateway(env), startGateway(env)]);
    const statuses: number[] = [];
    for (let i = 0; i < 16; i += 1) {
      const answer = await http('GET', `${urls[i % 2]}/v1/pools`, undefined, limited.key);
      statuses.push(answer.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(6);
    // Both replicas refused once the budget was spent.
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429, 429, 429]);
    // Another key is not affected.
    expect((await http('GET', `${urls[1]}/v1/pools`)).status).toBe(200);
  });
});

describe('Redis with a password', () => {
  const password = 'p@ss:w/rd with spaces';
  let server: TestRedisServer;

  beforeAll(async () => {
    server = await TestRedisServer.create({ password });
    await server.start();
  });

  afterAll(async () => {
    await server.remove();
  });

  it('runs tasks with the credentials in REDIS_URL, and never logs them', async () => {
    const env = { REDIS_URL: server.url, AGENTQ_PREFIX: 'agentq-e2e-auth' };
    const url = await startGateway(env);
    const worker = AppProcess.app('worker', env);
    running.push(worker);
    await worker.waitForMessage('ready');
    const answer = await http('POST', `${url}/v1/tasks?wait=30`, { agent: 'echo', input: 'hi' });
    expect(answer.body).toMatchObject({ state: 'completed', result: 'hi' });
    for (const app of running) {
      expect(
        app.output.filter((line) => line.includes(password) || line.includes(TEST_KEY.key)),
      ).toEqual([]);
    }
  });

  it('reports a wrong password as a Redis error (the gateway stays unready)', async () => {
    const wrong = server.url.replace(encodeURIComponent(password), 'wrong');
    const gateway = AppProcess.app('gateway', {
      REDIS_URL: wrong,
      PORT: '0',
      AGENTQ_GATEWAY_HOST: '127.0.0.1',
    });
    running.push(gateway);
    await gateway.waitFor((line) => JSON.stringify(line).includes('WRONGPASS'), 'WRONGPASS');
  });
});

describe('Redis over TLS (rediss://)', () => {
  let server: TestRedisServer;

  beforeAll(async () => {
    server = await TestRedisServer.create({ password: 'tls-secret', tls: true });
    await server.start();
  });

  afterAll(async () => {
    await server.remove();
  });

  it('runs tasks over TLS, trusting the CA given to Node', async () => {
    const env = {
      REDIS_URL: server.url,
      AGENTQ_PREFIX: 'agentq-e2e-tls',
      NODE_EXTRA_CA_CERTS: server.caFile,
    };
    const url = await startGateway(env);
    const worker = AppProcess.app('worker', env);
    running.push(worker);
    await worker.waitForMessage('ready');
    const answer = await http('POST', `${url}/v1/tasks?wait=30`, { agent: 'echo', input: 'tls' });
    expect(answer.body).toMatchObject({ state: 'completed', result: 'tls' });
  });
});
