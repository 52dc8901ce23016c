import { queueName } from '@agentq/contracts';
import { recordAttempt } from '@agentq/queue';
import { useGateway } from './gateway-harness.js';

const gateway = useGateway();

const get = (path: string) => gateway.request('GET', path);

describe('GET /v1/tasks', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    // One at a time, so submit order is list order.
    for (const spec of [
      { agent: 'echo', input: 0 },
      { agent: 'sim', input: {}, pool: 'large' },
      { agent: 'echo', input: 2, delayMs: 60_000 },
      { agent: 'echo', input: 3, priority: 'high' },
      { agent: 'sim', input: {} },
    ]) {
      ids.push((await gateway.request('POST', '/v1/tasks', spec)).body.id);
    }
  });

  it("lists the tenant's tasks newest first", async () => {
    const page = await get('/v1/tasks');
    expect(page.status).toBe(200);
    expect(page.body.tasks.map((t: { id: string }) => t.id)).toEqual([...ids].reverse());
    expect(page.body.nextCursor).toBeNull();
  });

  it('pages with an opaque cursor until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await get(`/v1/tasks?limit=2${query}`);
      expect(page.body.tasks.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.tasks.map((t: { id: string }) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by state, pool, agent and priority', async () => {
    const ofPage = async (query: string) =>
      ((await get(`/v1/tasks?${query}`)).body.tasks as { id: string }[]).map((t) => t.id);
    expect(await ofPage('state=delayed')).toEqual([ids[2]]);
    expect(await ofPage('pool=large')).toEqual([ids[1]]);
    expect(await ofPage('agent=sim')).toEqual([ids[4], ids[1]]);
    expect(await ofPage('agent=sim&pool=default')).toEqual([ids[4]]);
    expect(await ofPage('priority=high')).toEqual([ids[3]]);
    expect(await ofPage('priority=low')).toEqual([]);
  });

  it('answers 400 for a bad cursor or filter', async () => {
    expect((await get('/v1/tasks?cursor=garbage')).status).toBe(400);
    expect((await get('/v1/tasks?state=sleeping')).status).toBe(400);
    expect((await get('/v1/tasks?priority=urgent')).status).toBe(400);
    expect((await get('/v1/tasks?limit=0')).status).toBe(400);
  });
});

describe('GET /v1/tasks/:id/attempts', () => {
  it("answers the task's failed attempts as its worker recorded them; 404 for another's", async () => {
    const { id } = (await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).body;
    expect((await get(`/v1/tasks/${id}/attempts`)).body).toEqual({ attempts: [] });
    await recordAttempt(gateway.redis, gateway.prefix, queueName('default'), id, {
      attempt: 1,
      code: 'TRANSIENT',
      message: 'upstream 502',
      at: Date.parse('2026-01-01T10:00:01Z'),
      startedAt: Date.parse('2026-01-01T10:00:00Z'),
      worker: 'w-1',
    });
    expect((await get(`/v1/tasks/${id}/attempts`)).body).toEqual({
      attempts: [
        {
          attempt: 1,
          code: 'TRANSIENT',
          message: 'upstream 502',
          startedAt: '2026-01-01T10:00:00.000Z',
          failedAt: '2026-01-01T10:00:01.000Z',
          worker: 'w-1',
        },
      ],
    });
    expect((await get('/v1/tasks/t-unknown/attempts')).status).toBe(404);
  });
});

describe('GET /v1/tasks/:id/logs', () => {
  it("answers the task's log lines", async () => {
    const { id } = (await gateway.request('POST', '/v1/tasks', { agent: 'echo' })).body;
    const job = await gateway.queues.get('default')!.getJob(id);
    await job!.log('hello');
    const response = await get(`/v1/tasks/${id}/logs`);
    expect(response.body).toEqual({ logs: ['hello'], count: 1 });
    expect((await get('/v1/tasks/unknown/logs')).status).toBe(404);
  });
});

describe('GET /v1/pools', () => {
  it('answers counts, the age of the oldest waiting task, connected workers and their slots per pool', async () => {
    await gateway.startWorker('large', (job) => Promise.resolve(job.data.input));
    const response = await get('/v1/pools');
    expect(response.status).toBe(200);
    const byPool = Object.fromEntries(
      response.body.pools.map((p: { pool: string }) => [p.pool, p]),
    );
    expect(byPool.default.counts).toMatchObject({ delayed: 1 });
    expect(byPool.default.counts.prioritized).toBeGreaterThanOrEqual(3);
    expect(byPool.default.oldestWaitingAgeSeconds).toBeGreaterThan(0);
    expect(byPool.large.workers).toBe(1);
    // Its concurrency, read from its name.
    expect(byPool.large.slots).toBe(4);
  });
});

describe('GET /v1/pools/history', () => {
  it('answers every minute of the window for every pool, zeros where no worker counted', async () => {
    const response = await get('/v1/pools/history?minutes=3');
    expect(response.status).toBe(200);
    const pools = response.body.pools as { pool: string; minutes: { at: string }[] }[];
    expect(pools.map((p) => p.pool).sort()).toEqual(['default', 'large']);
    for (const { minutes } of pools) {
      expect(minutes).toHaveLength(3);
      const times = minutes.map((m) => Date.parse(m.at));
      expect(times[2]! - times[0]!).toBe(120_000);
      expect(Date.now() - times[2]!).toBeLessThan(60_000 + 5_000);
      expect(minutes[0]).toMatchObject({
        started: 0,
        completed: 0,
        startLatencyMs: { p50: null, p95: null, p99: null },
      });
    }
  });

  it('refuses a window it does not keep, naming the parameter', async () => {
    for (const minutes of ['0', '121', 'hour']) {
      const response = await get(`/v1/pools/history?minutes=${minutes}`);
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([
        expect.objectContaining({ path: 'query.minutes' }),
      ]);
    }
  });
});

describe('GET /metrics', () => {
  it('serves request, submit and rejection metrics labelled by route template', async () => {
    await gateway.request('POST', '/v1/tasks', { agent: 'nope' });
    const text = (await get('/metrics')).text;
    expect(text).toContain('agentq_gateway_http_requests_total{route="/v1/tasks/:id/logs"');
    expect(text).toMatch(
      /agentq_gateway_tasks_submitted_total\{pool="large",agent="sim",priority="normal"\} 1/,
    );
    expect(text).toContain('agentq_gateway_rejections_total{reason="UNKNOWN_AGENT"} 1');
    expect(text).toContain('agentq_gateway_http_request_duration_seconds_bucket');
    expect(text).toContain('agentq_gateway_sse_streams_open 0');
    expect(text).toContain('agentq_gateway_process_cpu_seconds_total');
    expect(text).not.toMatch(/route="\/v1\/tasks\/[0-9a-f]{8}-/);
  });
});
