import { UnrecoverableError } from 'bullmq';
import type { WorkflowSpecInput } from '@agentq/contracts';
import type { WorkflowEngine } from '@agentq/queue';
import { gatewayKeys } from '../src/gateway-keys.js';
import { WORKFLOW_ENGINE } from '../src/tokens.js';
import { startGateway, useGateway, type Gateway } from './gateway-harness.js';

interface Listed {
  id: string;
  name: string | null;
  state: string;
  createdAt: string;
  finishedAt: string | null;
  steps: { total: number; completed: number; failed: number; unfinished: number };
}

const echo = (id: string, dependsOn: string[] = [], input: unknown = {}) => ({
  id,
  agent: 'echo',
  dependsOn,
  input,
});

/** Every workflow listed from `path` on, following `nextCursor`; and how many pages it took. */
async function listAll(gateway: Gateway, path: string, key?: string) {
  const listed: Listed[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = cursor === null ? path : `${path}${separator}cursor=${cursor}`;
    const answer = await gateway.requestWith(key ?? gateway.keys.default ?? null, 'GET', url);
    expect(answer.status).toBe(200);
    listed.push(...(answer.body.workflows as Listed[]));
    cursor = answer.body.nextCursor as string | null;
    pages += 1;
  } while (cursor !== null);
  return { listed, pages };
}

const ids = (listed: readonly Listed[]) => listed.map((workflow) => workflow.id);

describe('GET /v1/workflows', () => {
  const gateway = useGateway(
    {},
    { keys: { other: { tenant: 'other-tenant', scopes: ['tasks:read', 'tasks:write', 'admin'] } } },
  );
  /** Submitted one at a time (so submit order is list order), oldest first. */
  const submitted: string[] = [];
  let completed: string;
  let failed: string;
  let cancelled: string;

  const submit = async (spec: WorkflowSpecInput, key?: string) => {
    const answer = await gateway.requestWith(
      key ?? gateway.keys.default ?? null,
      'POST',
      '/v1/workflows',
      spec,
    );
    expect(answer.status).toBe(201);
    return answer.body.id as string;
  };

  beforeAll(async () => {
    // Steps in `large` run (and fail when their input says so); steps in `default` wait.
    const engine = gateway.app.get<WorkflowEngine>(WORKFLOW_ENGINE);
    await gateway.startWorker('large', (job) => {
      const ref = job.data.workflow;
      if (!ref) throw new Error('not a workflow step');
      return engine.runStep(
        ref,
        job.id ?? '',
        () => {
          const input = job.data.input as { fail?: boolean };
          if (input.fail) return Promise.reject(new UnrecoverableError('told to fail'));
          return Promise.resolve('ok');
        },
        (error) => ({ code: 'AGENT_FAILED', message: (error as Error).message }),
      );
    });
    const inLarge = (step: ReturnType<typeof echo>) => ({ ...step, pool: 'large' });
    completed = await submit({
      name: 'diamond',
      steps: [echo('a'), echo('b', ['a']), echo('c', ['a']), echo('d', ['b', 'c'])].map(inLarge),
    });
    submitted.push(completed);
    failed = await submit({
      onFailure: 'continue',
      steps: [echo('ok'), echo('bad', [], { fail: true }), echo('after', ['bad'])].map(inLarge),
    });
    submitted.push(failed);
    for (let i = 0; i < 3; i += 1) {
      submitted.push(await submit({ name: `waiting-${i}`, steps: [echo('a'), echo('b', ['a'])] }));
    }
    cancelled = submitted[2] ?? '';
    expect((await gateway.request('POST', `/v1/workflows/${cancelled}/cancel`)).status).toBe(202);
    for (const id of [completed, failed]) {
      const settled = await gateway.request('GET', `/v1/workflows/${id}?wait=20`);
      expect(settled.body.finishedAt).not.toBeNull();
    }
  });

  it("lists the tenant's workflows newest first, each with its state and step counts", async () => {
    const answer = await gateway.request('GET', '/v1/workflows');
    expect(answer.status).toBe(200);
    expect(answer.body.nextCursor).toBeNull();
    const listed = answer.body.workflows as Listed[];
    expect(ids(listed)).toEqual([...submitted].reverse());
    const byId = new Map(listed.map((workflow) => [workflow.id, workflow]));
    expect(byId.get(completed)).toEqual({
      id: completed,
      name: 'diamond',
      state: 'completed',
      createdAt: expect.any(String),
      finishedAt: expect.any(String),
      steps: { total: 4, completed: 4, failed: 0, unfinished: 0 },
    });
    // `continue`: the step after the failed one is skipped, counted in none of the three.
    expect(byId.get(failed)).toMatchObject({
      name: null,
      state: 'failed',
      steps: { total: 3, completed: 1, failed: 1, unfinished: 0 },
    });
    expect(byId.get(cancelled)).toMatchObject({
      name: 'waiting-0',
      state: 'cancelled',
      steps: { total: 2, completed: 0, failed: 0, unfinished: 0 },
    });
    expect(byId.get(submitted[4] ?? '')).toMatchObject({
      state: 'running',
      finishedAt: null,
      steps: { total: 2, completed: 0, failed: 0, unfinished: 2 },
    });
    // The same as the workflow's own view says.
    const view = (await gateway.request('GET', `/v1/workflows/${completed}`)).body;
    expect(byId.get(completed)).toMatchObject({
      createdAt: view.createdAt,
      finishedAt: view.finishedAt,
    });
  });

  it('pages with an opaque cursor until the last page', async () => {
    const { listed, pages } = await listAll(gateway, '/v1/workflows?limit=2');
    expect(ids(listed)).toEqual([...submitted].reverse());
    expect(pages).toBe(3);
  });

  it('filters by state, across pages too', async () => {
    const only = async (query: string) =>
      ids((await listAll(gateway, `/v1/workflows?${query}`)).listed);
    expect(await only('state=running')).toEqual([submitted[4], submitted[3]]);
    expect(await only('state=running&limit=1')).toEqual([submitted[4], submitted[3]]);
    expect(await only('state=completed')).toEqual([completed]);
    expect(await only('state=failed')).toEqual([failed]);
    expect(await only('state=cancelled&limit=1')).toEqual([cancelled]);
  });

  it("never shows another tenant's workflows, an admin key's included", async () => {
    const other = gateway.keys.other ?? null;
    const theirs = await submit({ steps: [echo('a')] }, other ?? undefined);
    const ours = ids((await listAll(gateway, '/v1/workflows')).listed);
    expect(ours).not.toContain(theirs);
    expect(ours).toEqual([...submitted].reverse());
    const answer = await gateway.requestWith(other, 'GET', '/v1/workflows');
    expect(ids(answer.body.workflows as Listed[])).toEqual([theirs]);
    // A workflow of another tenant under this tenant's index (written by hand) is not shown.
    const key = gatewayKeys.tenantWorkflows(gateway.prefix, 'default');
    await gateway.redis.zadd(key, 0, `${String(Date.now() + 60_000).padStart(15, '0')}/${theirs}`);
    try {
      expect(ids((await listAll(gateway, '/v1/workflows')).listed)).not.toContain(theirs);
    } finally {
      await gateway.redis.zremrangebyrank(key, -1, -1);
    }
  });

  it('answers 400 for a bad cursor, state or limit', async () => {
    expect((await gateway.request('GET', '/v1/workflows?cursor=garbage')).status).toBe(400);
    expect((await gateway.request('GET', '/v1/workflows?state=pending')).status).toBe(400);
    expect((await gateway.request('GET', '/v1/workflows?limit=201')).status).toBe(400);
  });
});

describe('GET /v1/workflows index', () => {
  it('keeps at most AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX entries per tenant, the newest', async () => {
    const gateway = await startGateway({ AGENTQ_GATEWAY_WORKFLOW_INDEX_MAX: '3' });
    try {
      const submitted: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        const answer = await gateway.request('POST', '/v1/workflows', { steps: [echo('a')] });
        submitted.push(answer.body.id as string);
      }
      const key = gatewayKeys.tenantWorkflows(gateway.prefix, 'default');
      expect(await gateway.redis.zcard(key)).toBe(3);
      const listed = (await gateway.request('GET', '/v1/workflows')).body.workflows as Listed[];
      expect(ids(listed)).toEqual(submitted.slice(2).reverse());
    } finally {
      await gateway.close();
    }
  });

  it('indexes a workflow once, however often its Idempotency-Key is repeated', async () => {
    const gateway = await startGateway();
    try {
      const spec = { steps: [echo('a')] };
      const headers = { 'idempotency-key': 'wf-list-once' };
      const first = await gateway.request('POST', '/v1/workflows', spec, headers);
      const again = await gateway.request('POST', '/v1/workflows', spec, headers);
      expect([first.status, again.status]).toEqual([201, 200]);
      const listed = (await gateway.request('GET', '/v1/workflows')).body.workflows as Listed[];
      expect(ids(listed)).toEqual([first.body.id]);
    } finally {
      await gateway.close();
    }
  });

  it('skips workflows that are gone, reading at most 1,000 entries per request', async () => {
    const gateway = await startGateway();
    try {
      const kept = await gateway.request('POST', '/v1/workflows', { steps: [echo('a')] });
      const gone = await gateway.request('POST', '/v1/workflows', { steps: [echo('a')] });
      // Its record expired, as retention leaves it: the index still names the workflow.
      await gateway.redis.del(`${gateway.prefix}:wf:${gone.body.id as string}:meta`);
      // And 1,200 entries newer than both whose workflows are gone.
      const key = gatewayKeys.tenantWorkflows(gateway.prefix, 'default');
      const later = Date.now() + 60_000;
      const members = Array.from({ length: 1200 }, (_, i) => [
        0,
        `${String(later + i).padStart(15, '0')}/gone-${i}`,
      ]).flat();
      await gateway.redis.zadd(key, ...members);

      const first = await gateway.request('GET', '/v1/workflows');
      expect(first.body.workflows).toEqual([]);
      expect(first.body.nextCursor).not.toBeNull();
      const rest = await listAll(
        gateway,
        `/v1/workflows?cursor=${first.body.nextCursor as string}`,
      );
      expect(ids(rest.listed)).toEqual([kept.body.id]);
    } finally {
      await gateway.close();
    }
  });
});
