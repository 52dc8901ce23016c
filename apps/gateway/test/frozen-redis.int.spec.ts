import { performance } from 'node:perf_hooks';
import { RedisProxy } from './redis-proxy.js';
import { REDIS_URL, startGateway, type Gateway } from './gateway-harness.js';

/**
 * An answer "within a second or two instead of hanging": one command timeout (2 s), with
 * room for a loaded machine. Waiting for a second timeout (4 s) fails it.
 */
const ANSWER_WITHIN_MS = 3500;

describe('a Redis that stops answering', () => {
  let proxy: RedisProxy;
  let gateway: Gateway;

  beforeAll(async () => {
    // Only this gateway's connections go through the proxy: the shared Redis keeps running.
    proxy = await RedisProxy.create(REDIS_URL);
    // No backlog limits: the submit's first command is then its write, the one whose
    // outcome a frozen Redis leaves unknown (a backlog read that times out is a plain 503).
    gateway = await startGateway({
      REDIS_URL: proxy.url,
      AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL: '0',
      AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '0',
      AGENTQ_GATEWAY_MAX_BACKLOG_NORMAL: '0',
      AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '0',
    });
  });
  afterAll(async () => {
    proxy.thaw();
    await gateway.close();
    await proxy.close();
  });

  it('answers submits Redis did not confirm as OUTCOME_UNKNOWN with their ids, within one command timeout', async () => {
    // Warm: the gate's script is known to Redis, the backlog read done once.
    expect((await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).status).toBe(201);
    proxy.freeze();
    const submits: [string, unknown][] = [
      ['/v1/tasks', { agent: 'echo' }],
      ['/v1/tasks/batch', { tasks: [{ agent: 'echo' }, { agent: 'echo', pool: 'large' }] }],
    ];
    const unconfirmed: string[] = [];
    for (const [path, body] of submits) {
      const started = performance.now();
      const answer = await gateway.request('POST', path, body);
      const elapsedMs = performance.now() - started;
      expect([path, answer.status, answer.body.error.code]).toEqual([path, 504, 'OUTCOME_UNKNOWN']);
      expect(answer.body.error.message).toContain('Idempotency-Key');
      unconfirmed.push(...(answer.body.error.details.taskIds as string[]));
      expect(elapsedMs).toBeLessThan(ANSWER_WITHIN_MS);
    }
    expect(unconfirmed).toHaveLength(3);
    proxy.thaw();
    // Redis ran the held writes once it answered again: each id tells what happened.
    for (const id of unconfirmed) {
      const read = await gateway.request('GET', `/v1/tasks/${id}`);
      expect([id, read.status, read.body.state]).toEqual([id, 200, 'waiting']);
    }
    const after = await gateway.request('POST', '/v1/tasks', { agent: 'echo' });
    expect(after.status).toBe(201);
  });

  it('makes a retry with the same Idempotency-Key safe: one task, the same id', async () => {
    const key = { 'idempotency-key': `frozen-${Date.now()}` };
    expect((await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).status).toBe(201);
    proxy.freeze();
    const first = await gateway.request('POST', '/v1/tasks', { agent: 'echo', input: 1 }, key);
    expect(first.status).toBe(504);
    const { taskId } = first.body.error.details as { taskId: string };
    proxy.thaw();
    const retry = await gateway.request('POST', '/v1/tasks', { agent: 'echo', input: 1 }, key);
    expect([retry.status, retry.body.id]).toEqual([200, taskId]);
  });
});
