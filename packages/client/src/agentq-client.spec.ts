import { AgentqClient } from './agentq-client.js';
import { AgentqError } from './agentq-error.js';
import type { RetryOptions } from './retry-policy.js';
import {
  dropConnection,
  sendError,
  sendJson,
  TestServer,
  type Responder,
} from '../test/test-server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ACCEPTED = { id: 'task-1', state: 'waiting' };
const FAST_RETRY: Partial<RetryOptions> = { baseDelayMs: 10, maxDelayMs: 50 };

let server: TestServer | undefined;

async function clientFor(respond: Responder, retry: Partial<RetryOptions> = FAST_RETRY) {
  server = await TestServer.start(respond);
  return {
    client: new AgentqClient({ baseUrl: server.url, apiKey: 'aq_test', retry }),
    requests: server.requests,
  };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe(AgentqClient.name, () => {
  describe('submits', () => {
    it('sends a generated idempotency key, the same one on every retry', async () => {
      const { client, requests } = await clientFor((_, res, index) => {
        if (index === 0) dropConnection(res);
        else if (index === 1) sendError(res, 503, 'UNAVAILABLE');
        else if (index === 2) sendError(res, 504, 'OUTCOME_UNKNOWN', {}, { taskId: 'task-1' });
        else sendJson(res, 201, ACCEPTED);
      });

      await expect(client.tasks.submit({ agent: 'echo', input: 1 })).resolves.toEqual(ACCEPTED);

      const keys = requests.map((request) => request.headers['idempotency-key']);
      expect(keys).toHaveLength(4);
      expect(keys[0]).toMatch(UUID);
      expect(new Set(keys).size).toBe(1);
      expect(requests[0]?.headers.authorization).toBe('Bearer aq_test');
    });

    it("uses the caller's key, and a new one for each call", async () => {
      const { client, requests } = await clientFor((_, res) => sendJson(res, 201, ACCEPTED));

      await client.tasks.submit({ agent: 'echo' }, { idempotencyKey: 'order-42' });
      await client.tasks.submit({ agent: 'echo' });
      await client.tasks.submit({ agent: 'echo' });

      const [given, first, second] = requests.map((request) => request.headers['idempotency-key']);
      expect(given).toBe('order-42');
      expect(first).not.toBe(second);
    });

    it("gives each task of a batch its own key made from the batch's", async () => {
      const { client, requests } = await clientFor((_, res, index) =>
        index === 0 ? dropConnection(res) : sendJson(res, 201, { tasks: [ACCEPTED, ACCEPTED] }),
      );

      await client.tasks.submitBatch(
        [{ agent: 'echo' }, { agent: 'echo', idempotencyKey: 'mine' }],
        {
          idempotencyKey: 'batch-7',
        },
      );

      expect(requests.map((request) => request.body)).toEqual([
        {
          tasks: [
            { agent: 'echo', idempotencyKey: 'batch-7-0' },
            { agent: 'echo', idempotencyKey: 'mine' },
          ],
        },
        {
          tasks: [
            { agent: 'echo', idempotencyKey: 'batch-7-0' },
            { agent: 'echo', idempotencyKey: 'mine' },
          ],
        },
      ]);
    });

    it('sends a workflow with an idempotency key, kept across retries', async () => {
      const { client, requests } = await clientFor((_, res, index) =>
        index === 0 ? sendError(res, 503, 'UNAVAILABLE') : sendJson(res, 201, { id: 'wf' }),
      );

      await client.workflows.submit({ steps: [{ id: 'a', agent: 'echo' }] });

      const [first, second] = requests.map((request) => request.headers['idempotency-key']);
      expect(first).toMatch(UUID);
      expect(second).toBe(first);
    });
  });

  describe('retries', () => {
    it('waits as long as a 429 says in Retry-After', async () => {
      const { client, requests } = await clientFor((_, res, index) =>
        index === 0
          ? sendError(res, 429, 'RATE_LIMITED', { 'retry-after': '1' })
          : sendJson(res, 200, { logs: [], count: 0 }),
      );
      const started = Date.now();

      await client.tasks.logs('task-1');

      expect(requests).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it('does not retry a 429 without Retry-After: waiting would not help', async () => {
      const { client, requests } = await clientFor((_, res) => sendError(res, 429, 'RATE_LIMITED'));

      const error = await rejection(client.tasks.submitBatch([{ agent: 'echo' }]));

      expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(requests).toHaveLength(1);
    });

    it('does not retry a non-idempotent call after a 503 or a dropped connection', async () => {
      const { client, requests } = await clientFor((_, res, index) =>
        index === 0 ? sendError(res, 503, 'UNAVAILABLE') : dropConnection(res),
      );

      await expect(client.tasks.retry('task-1')).rejects.toMatchObject({ status: 503 });
      await expect(client.deadLetters.redrive({ pool: 'default' })).rejects.toMatchObject({
        code: 'NETWORK_ERROR',
        status: undefined,
      });
      expect(requests).toHaveLength(2);
    });

    it('retries reads after 5xx answers and dropped connections', async () => {
      const { client, requests } = await clientFor((_, res, index) => {
        if (index === 0) sendError(res, 502, 'BAD_GATEWAY');
        else if (index === 1) dropConnection(res);
        else sendJson(res, 200, { pools: [] });
      });

      await expect(client.pools.list()).resolves.toEqual([]);
      expect(requests).toHaveLength(3);
    });

    it('does not retry a 500: the same request would fail again', async () => {
      const { client, requests } = await clientFor((_, res) => sendError(res, 500, 'INTERNAL'));

      await expect(client.tasks.get('task-1')).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(requests).toHaveLength(1);
    });

    it('gives up after the attempts allowed with the last error', async () => {
      const { client, requests } = await clientFor((_, res) => sendError(res, 503, 'UNAVAILABLE'), {
        ...FAST_RETRY,
        maxAttempts: 3,
      });

      await expect(client.tasks.get('task-1')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(requests).toHaveLength(3);
    });

    it('stops at the deadline, even with an answer in flight', async () => {
      const { client } = await clientFor(() => undefined, { deadlineMs: 200 });
      const started = Date.now();

      const error = await rejection(client.tasks.get('task-1'));

      expect(error).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('fails at once rather than back off past the deadline', async () => {
      const { client } = await clientFor((_, res) => sendError(res, 503, 'UNAVAILABLE'), {
        baseDelayMs: 60_000,
        maxDelayMs: 60_000,
        deadlineMs: 100,
      });

      const started = Date.now();

      // Full jitter may draw a wait short enough to try again; never one of a minute.
      await expect(client.tasks.get('task-1')).rejects.toBeInstanceOf(AgentqError);
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  describe('aborts', () => {
    it("aborts the request in flight with the caller's signal", async () => {
      let arrived!: () => void;
      const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
      let closed!: () => void;
      const requestClosed = new Promise<void>((resolve) => (closed = resolve));
      const { client } = await clientFor((_, res) => {
        res.on('close', closed);
        arrived();
      });
      const controller = new AbortController();

      const call = rejection(client.tasks.wait('task-1', { signal: controller.signal }));
      await requestArrived;
      controller.abort();

      expect(await call).toMatchObject({ name: 'AbortError' });
      await requestClosed;
    });

    it('aborts a backoff wait at once', async () => {
      let answered!: () => void;
      const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
      const { client } = await clientFor(
        (_, res) => {
          sendError(res, 503, 'UNAVAILABLE');
          answered();
        },
        { baseDelayMs: 30_000, maxDelayMs: 30_000, deadlineMs: 60_000 },
      );
      const controller = new AbortController();
      const started = Date.now();

      const call = rejection(client.tasks.get('task-1', { signal: controller.signal }));
      await firstAnswer;
      controller.abort();

      expect(await call).toMatchObject({ name: 'AbortError' });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('errors', () => {
    it("carries the gateway's code, status, details and request id", async () => {
      const details = [{ path: 'body.priority', message: 'invalid' }];
      const { client } = await clientFor((_, res) =>
        sendError(res, 400, 'VALIDATION_FAILED', { 'x-request-id': 'req-9' }, details),
      );

      const error = await rejection(client.tasks.submit({ agent: 'echo' }));

      expect(error).toBeInstanceOf(AgentqError);
      expect(error).toMatchObject({
        name: 'AgentqError',
        code: 'VALIDATION_FAILED',
        status: 400,
        details,
        requestId: 'req-9',
        message: 'VALIDATION_FAILED for a test',
      });
    });

    it('reports an answer that is not an agentq error body', async () => {
      const { client } = await clientFor((_, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>not here</h1>');
      });

      await expect(client.tasks.get('task-1')).rejects.toMatchObject({
        code: 'UNEXPECTED_RESPONSE',
        status: 404,
      });
    });
  });

  describe('reads', () => {
    it('follows the cursor through every page of tasks', async () => {
      const pages: Record<string, unknown> = {
        '': { tasks: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
        c1: { tasks: [{ id: 'c' }], nextCursor: 'c2' },
        c2: { tasks: [], nextCursor: null },
      };
      const { client, requests } = await clientFor((request, res) => {
        const cursor = new URL(request.url, 'http://x').searchParams.get('cursor') ?? '';
        sendJson(res, 200, pages[cursor]);
      });

      const ids: string[] = [];
      for await (const task of client.tasks.list({ state: 'completed', limit: 2 }))
        ids.push(task.id);

      expect(ids).toEqual(['a', 'b', 'c']);
      expect(requests.map((request) => request.url)).toEqual([
        '/v1/tasks?state=completed&limit=2',
        '/v1/tasks?state=completed&limit=2&cursor=c1',
        '/v1/tasks?state=completed&limit=2&cursor=c2',
      ]);
    });

    it('follows the cursor through every page of workflows', async () => {
      const { client, requests } = await clientFor((request, res) => {
        const more = new URL(request.url, 'http://x').searchParams.get('cursor') === null;
        const workflows = more ? [{ id: 'w1' }, { id: 'w2' }] : [{ id: 'w3' }];
        sendJson(res, 200, { workflows, nextCursor: more ? 'c1' : null });
      });

      const ids: string[] = [];
      for await (const { id } of client.workflows.list({ state: 'running', limit: 2 }))
        ids.push(id);
      expect(ids).toEqual(['w1', 'w2', 'w3']);
      expect(requests.map((request) => request.url)).toEqual([
        '/v1/workflows?state=running&limit=2',
        '/v1/workflows?state=running&limit=2&cursor=c1',
      ]);
    });

    it('follows the offset through every page of dead letters', async () => {
      const { client, requests } = await clientFor((request, res) => {
        const offset = new URL(request.url, 'http://x').searchParams.get('offset');
        sendJson(
          res,
          200,
          offset === '0'
            ? { deadLetters: [{ id: 'a' }], total: 2, nextOffset: 1 }
            : { deadLetters: [{ id: 'b' }], total: 2, nextOffset: null },
        );
      });

      const ids: string[] = [];
      for await (const entry of client.deadLetters.list({ pool: 'default', limit: 1 })) {
        ids.push(entry.id);
      }

      expect(ids).toEqual(['a', 'b']);
      expect(requests.map((request) => request.url)).toEqual([
        '/v1/dead-letter?pool=default&limit=1&offset=0',
        '/v1/dead-letter?pool=default&limit=1&offset=1',
      ]);
    });

    it('reads pool history, tenants, providers, usage, the key and attempts with their query', async () => {
      const { client, requests } = await clientFor((_, res) => sendJson(res, 200, {}));

      await client.pools.history({ minutes: 15 });
      await client.pools.history();
      await client.activity.tenants({ hours: 6 });
      await client.activity.providers();
      await client.activity.usage('acme');
      await client.activity.usage();
      await client.me();
      await client.tasks.attempts('task-1');

      expect(requests.map((request) => request.url)).toEqual([
        '/v1/pools/history?minutes=15',
        '/v1/pools/history',
        '/v1/tenants?hours=6',
        '/v1/providers',
        '/v1/usage?tenant=acme',
        '/v1/usage',
        '/v1/me',
        '/v1/tasks/task-1/attempts',
      ]);
    });

    it('waits with ?wait= until the task finished', async () => {
      const { client, requests } = await clientFor((_, res, index) =>
        sendJson(res, 200, { id: 'task-1', state: index === 0 ? 'active' : 'completed' }),
      );

      const view = await client.tasks.wait('task-1', { timeoutMs: 5000 });

      expect(view.state).toBe('completed');
      expect(requests).toHaveLength(2);
      expect(requests[0]?.url).toMatch(/^\/v1\/tasks\/task-1\?wait=\d/);
    });
  });

  describe('scaler', () => {
    it('reads the status and a page of decisions', async () => {
      const { client, requests } = await clientFor((request, res) =>
        sendJson(
          res,
          200,
          request.url.startsWith('/v1/scaler/status')
            ? { leader: true }
            : { decisions: [], next: null },
        ),
      );

      await expect(client.scaler.status()).resolves.toEqual({ leader: true });
      await expect(
        client.scaler.decisions({ pool: 'gpu', before: '17-0', limit: 10 }),
      ).resolves.toEqual({ decisions: [], next: null });

      expect(requests.map((request) => request.url)).toEqual([
        '/v1/scaler/status',
        '/v1/scaler/decisions?pool=gpu&before=17-0&limit=10',
      ]);
    });

    it('pins with PUT and unpins with DELETE, retrying both after a 503', async () => {
      const { client, requests } = await clientFor((request, res, index) =>
        index % 2 === 0
          ? sendError(res, 503, 'SCALER_UNAVAILABLE')
          : sendJson(res, 200, { pool: 'gpu' }),
      );

      await client.scaler.pin('gpu', { replicas: 3, ttlSeconds: 600 });
      await client.scaler.unpin('gpu');

      expect(requests.map(({ method, url, body }) => ({ method, url, body }))).toEqual([
        { method: 'PUT', url: '/v1/scaler/pins/gpu', body: { replicas: 3, ttlSeconds: 600 } },
        { method: 'PUT', url: '/v1/scaler/pins/gpu', body: { replicas: 3, ttlSeconds: 600 } },
        { method: 'DELETE', url: '/v1/scaler/pins/gpu', body: undefined },
        { method: 'DELETE', url: '/v1/scaler/pins/gpu', body: undefined },
      ]);
    });
  });
});
