import { Worker, type Job } from 'bullmq';
import { queueName, type TaskJobData } from '@agentq/contracts';
import { closeRedis, createRedis } from '@agentq/queue';
import type { Redis } from 'ioredis';
import { REDIS_URL, startGateway, useGateway, type StreamEvent } from './gateway-harness.js';
import { RedisProxy } from './redis-proxy.js';

const gateway = useGateway();

async function collect(events: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

/** Logs two lines and reports progress, then returns its input. */
async function chatty(job: Job<TaskJobData>): Promise<unknown> {
  await job.log('step 1');
  await job.updateProgress(50);
  await job.log('step 2');
  await job.updateProgress(100);
  return job.data.input;
}

const submit = async (pool: string) =>
  (await gateway.request('POST', '/v1/tasks', { agent: 'echo', input: 'hi', pool })).body
    .id as string;

describe('GET /v1/tasks/:id/events', () => {
  it('streams state, progress and log lines, then the completed event, then closes', async () => {
    const id = await submit('default');
    const stream = await gateway.openEvents(id);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    const events = stream.events();
    const first = await events.next();
    expect(first.value).toMatchObject({ event: 'state', data: { id, state: 'waiting' } });
    await gateway.startWorker('default', chatty);
    const rest = await collect(events);
    expect(rest.filter((e) => e.event === 'log').map((e) => e.data.line)).toEqual([
      'step 1',
      'step 2',
    ]);
    expect(rest.filter((e) => e.event === 'progress').map((e) => e.data.progress)).toContain(100);
    const last = rest.at(-1);
    expect(last).toMatchObject({ event: 'completed', data: { state: 'completed', result: 'hi' } });
    expect(last?.id).toBe('2');
  });

  it('gives a client connecting after the end its logs and the final event at once', async () => {
    const id = await submit('default');
    await gateway.request('GET', `/v1/tasks/${id}?wait=10`);
    const all = await collect((await gateway.openEvents(id)).events());
    expect(all.map((e) => e.event)).toEqual(['log', 'log', 'state', 'completed']);
  });

  it('resumes after Last-Event-ID without repeating log lines', async () => {
    const id = await submit('default');
    await gateway.request('GET', `/v1/tasks/${id}?wait=10`);
    const all = await collect((await gateway.openEvents(id, { 'last-event-id': '1' })).events());
    expect(all.filter((e) => e.event === 'log').map((e) => e.data.line)).toEqual(['step 2']);
    expect(all.at(-1)?.event).toBe('completed');
  });

  it('treats a Last-Event-ID it never sent as absent, and still ends with the final event', async () => {
    const id = await submit('default');
    await gateway.request('GET', `/v1/tasks/${id}?wait=10`);
    const stream = await gateway.openEvents(id, { 'last-event-id': '99999999999999999999' });
    const all = await collect(stream.events());
    expect(all.map((e) => e.event)).toEqual(['log', 'log', 'state', 'completed']);
    expect(all.at(-1)?.id).toBe('2');
  });

  it('answers 404 as JSON for an unknown task', async () => {
    const stream = await gateway.openEvents('no-such-task');
    expect(stream.response.status).toBe(404);
    const body = (await stream.response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('NOT_FOUND');
  });

  it('ends with a cancelled event when the waiting task is cancelled', async () => {
    const id = await submit('large'); // no worker serves `large`
    const events = (await gateway.openEvents(id)).events();
    expect((await events.next()).value?.event).toBe('state');
    await gateway.request('POST', `/v1/tasks/${id}/cancel`);
    const rest = await collect(events);
    expect(rest.at(-1)).toMatchObject({ event: 'cancelled', data: { state: 'cancelled' } });
  });
});

describe('event streams at shutdown', () => {
  it('end with a shutdown event when the gateway closes', async () => {
    const own = await startGateway();
    try {
      const { id } = (await own.request('POST', '/v1/tasks', { agent: 'echo' })).body;
      const stream = await own.openEvents(id);
      const events = stream.events();
      expect((await events.next()).value?.event).toBe('state');
      const closing = own.close();
      const rest = await collect(events);
      await closing;
      expect(rest.map((e) => e.event)).toEqual(['shutdown']);
    } finally {
      await own.close();
    }
  });
});

describe('event stream connections', () => {
  it('carry keep-alive comments and are released when the client goes away', async () => {
    const own = await startGateway({ AGENTQ_GATEWAY_SSE_KEEPALIVE_MS: '100' });
    try {
      const { id } = (await own.request('POST', '/v1/tasks', { agent: 'echo' })).body;
      const stream = await own.openEvents(id);
      const reader = stream.response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes(': keep-alive')) {
        const { value } = await reader.read();
        text += decoder.decode(value, { stream: true });
      }
      expect((await own.request('GET', '/metrics')).text).toContain('sse_streams_open 1');
      stream.abort();
      await reader.cancel().catch(() => undefined);
      // The server notices the closed socket on its own schedule: wait for the gauge.
      while (!(await own.request('GET', '/metrics')).text.includes('sse_streams_open 0')) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      await own.close();
    }
  });
});

describe('event streams and waiters across a Redis outage', () => {
  /**
   * Completes a task while the gateway's link to Redis is cut, lets `trim` take its final
   * event from the pool's event stream, restores the link and expects the event stream and
   * the waiter to end with the completed task all the same.
   */
  async function finishWhileAway(trim: (direct: Redis, stream: string) => Promise<unknown>) {
    const link = await RedisProxy.create(REDIS_URL);
    const own = await startGateway({ REDIS_URL: link.url });
    // The worker and the test reach Redis directly, past the cut.
    const direct = createRedis(REDIS_URL, 'worker', 'test-events-outage');
    const worker = new Worker<TaskJobData>(
      queueName('default'),
      (job) => Promise.resolve(job.data.input),
      { connection: direct, prefix: own.prefix, autorun: false },
    );
    try {
      const { id } = (await own.request('POST', '/v1/tasks', { agent: 'echo', input: 'hi' })).body;
      const events = (await own.openEvents(id)).events();
      expect((await events.next()).value).toMatchObject({
        event: 'state',
        data: { state: 'waiting' },
      });
      const waited = own.request('GET', `/v1/tasks/${id}?wait=60`);
      // The waiter counts itself before its first read; a read sent after that one is
      // answered after it, so the waiter is holding once this GET is answered.
      const waiting = 'agentq_gateway_wait_requests_open 1';
      while (!(await own.request('GET', '/metrics')).text.includes(waiting)) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      await own.request('GET', `/v1/tasks/${id}`);

      link.cut();
      const completed = new Promise((resolve) => worker.once('completed', resolve));
      worker.run().catch(() => undefined);
      await completed;
      // The task's final event goes before the gateway's reader could read it.
      await trim(direct, `${own.prefix}:${queueName('default')}:events`);
      link.restore();

      const rest = await collect(events);
      expect(rest.at(-1)).toMatchObject({
        event: 'completed',
        data: { state: 'completed', result: 'hi' },
      });
      const answer = await waited;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ state: 'completed', result: 'hi' });
    } finally {
      await worker.close();
      await closeRedis(direct);
      await own.close();
      await link.close();
    }
  }

  it('end with the final event of a task whose events were trimmed while Redis was away', () =>
    finishWhileAway((direct, stream) => direct.xtrim(stream, 'MAXLEN', 0)));

  it('end with the final event when the trim kept newer events, read before any check', () =>
    finishWhileAway(async (direct, stream) => {
      // Other tasks' events, as on a busy pool: the reconnected reader reads them at once,
      // moving past the gap before a check can compare where it was with the stream.
      const firstKept = await direct.xadd(stream, '*', 'event', 'waiting', 'jobId', 'other-1');
      for (const other of ['other-2', 'other-3']) {
        await direct.xadd(stream, '*', 'event', 'waiting', 'jobId', other);
      }
      await direct.xtrim(stream, 'MINID', firstKept!);
    }));
});
