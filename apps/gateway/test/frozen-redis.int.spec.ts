import { performance } from 'node:perf_hooks';
import { RedisProxy } from './redis-proxy.js';
import { REDIS_URL, startGateway, type Gateway } from './gateway-harness.js';

/**
 * The issue asks for a 503 "within a second or two instead of hanging": one command timeout
 * (2 s), with room for a loaded machine. Waiting for a second timeout (4 s) fails it.
 */
const ANSWER_WITHIN_MS = 3500;

describe('a Redis that stops answering', () => {
  let proxy: RedisProxy;
  let gateway: Gateway;

  beforeAll(async () => {
    // Only this gateway's connections go through the proxy: the shared Redis keeps running.
    proxy = await RedisProxy.create(REDIS_URL);
    gateway = await startGateway({ REDIS_URL: proxy.url });
  });
  afterAll(async () => {
    proxy.thaw();
    await gateway.close();
    await proxy.close();
  });

  it('answers single and batch submits 503 within one command timeout, then recovers', async () => {
    // Warm: the gate's script is known to Redis, the backlog read done once.
    expect((await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).status).toBe(201);
    proxy.freeze();
    const submits: [string, unknown][] = [
      ['/v1/tasks', { agent: 'echo' }],
      ['/v1/tasks/batch', { tasks: [{ agent: 'echo' }, { agent: 'echo', pool: 'large' }] }],
    ];
    for (const [path, body] of submits) {
      const started = performance.now();
      const answer = await gateway.request('POST', path, body);
      const elapsedMs = performance.now() - started;
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 503, 'UNAVAILABLE']);
      expect(elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
    }
    proxy.thaw();
    const after = await gateway.request('POST', '/v1/tasks', { agent: 'echo' });
    expect(after.status).toBe(201);
    const read = await gateway.request('GET', `/v1/tasks/${after.body.id as string}`);
    expect(read.body.state).toBe('waiting');
  });
});
