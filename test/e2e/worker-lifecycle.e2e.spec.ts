import { AppProcess, type LogLine } from '../helpers/app-process.js';
import { freePort } from '../helpers/ports.js';
import { redisCommand } from '../helpers/redis-command.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { pollUntil } from '../helpers/system.js';

// Worker processes against a redis-server of the test's own (paused, stopped, restarted;
// never the shared one). A 1 s drain makes the shutdown's time limit 16 s: a shutdown that
// hangs exits 1 then, which the tests tell from a clean exit 0.
const DRAIN = { AGENTQ_WORKER_DRAIN_TIMEOUT_MS: '1000' };
const PREFIX = 'agentq-e2e-lifecycle';
const running: AppProcess[] = [];

function startWorker(env: Record<string, string>): AppProcess {
  const worker = AppProcess.app('worker', { AGENTQ_PREFIX: PREFIX, ...DRAIN, ...env });
  running.push(worker);
  return worker;
}

const messages = (worker: AppProcess) => worker.lines.map((line) => line.msg);

afterAll(async () => {
  await Promise.all(running.map((worker) => worker.stop('SIGKILL')));
});

describe('worker shutdown during start-up', () => {
  let redis: TestRedisServer;

  beforeAll(async () => {
    redis = await TestRedisServer.create({ aof: false });
    await redis.start();
    // Every client's commands wait until the pause ends (the worker's ready check among
    // them): its start cannot finish. The server is removed, paused, after the tests.
    expect(await redisCommand(redis.port, ['CLIENT', 'PAUSE', '600000', 'ALL'])).toBe('+OK');
  });

  afterAll(async () => {
    await redis.remove();
  });

  it('exits 0, without ready, when SIGTERM comes while its Redis does not answer', async () => {
    const worker = startWorker({ REDIS_URL: redis.url });
    await worker.waitForMessage('starting');

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(messages(worker)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    expect(messages(worker)).not.toContain('ready');
    expect(worker.plainTextLines()).toEqual([]);
  });

  it('exits 0, without ready, when SIGTERM comes while a plugin loads', async () => {
    const worker = startWorker({
      REDIS_URL: redis.url,
      AGENTQ_AGENT_MODULES: './test/fixtures/slow-loading-plugin.mjs',
    });
    await worker.waitForMessage('plugin loading');

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(messages(worker)).toContain('stopped before start');
    expect(messages(worker)).not.toContain('ready');
    expect(worker.plainTextLines()).toEqual([]);
  });

  it('exits 0, without ready, when SIGTERM comes while its Redis is unreachable', async () => {
    const worker = startWorker({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    await worker.waitForMessage('redis connection error');

    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(messages(worker)).toEqual(expect.arrayContaining(['draining', 'stopped']));
    expect(messages(worker)).not.toContain('ready');
    expect(worker.plainTextLines()).toEqual([]);
  });
});

describe('worker readiness', () => {
  let redis: TestRedisServer;

  beforeAll(async () => {
    redis = await TestRedisServer.create({ aof: false });
    await redis.start();
  });

  afterAll(async () => {
    await redis.remove();
  });

  it('answers /ready 503 while its Redis is down and 200 once it is back', async () => {
    const httpPort = await freePort();
    const worker = startWorker({
      REDIS_URL: redis.url,
      AGENTQ_WORKER_HTTP_PORT: String(httpPort),
      AGENTQ_WORKER_HTTP_HOST: '127.0.0.1',
    });
    await worker.waitForMessage('ready');
    const status = async (path: string) =>
      (await fetch(`http://127.0.0.1:${httpPort}${path}`)).status;
    expect(await status('/ready')).toBe(200);

    // SHUTDOWN NOSAVE on this test's server; stop() then waits for it to exit.
    await redisCommand(redis.port, ['SHUTDOWN', 'NOSAVE']);
    await redis.stop();
    const connectionError = (line: LogLine) =>
      line.msg === 'redis connection error' && /ECONNREFUSED/.test(String(line.err));
    await worker.waitFor(connectionError, 'a redis connection error');
    await pollUntil(async () => (await status('/ready')) === 503, '/ready answering 503');
    expect(await status('/health')).toBe(200);

    await redis.start();
    await pollUntil(async () => (await status('/ready')) === 200, '/ready answering 200 again');
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.plainTextLines()).toEqual([]);
  });
});
