import type { Worker } from 'bullmq';
import { useGateway } from './gateway-harness.js';

describe('per-key rate limits', () => {
  const gateway = useGateway(
    {},
    {
      keys: {
        slow: { tenant: 'slow', scopes: ['tasks:read'], rateLimit: { perMinute: 60, burst: 3 } },
        batcher: {
          tenant: 'batcher',
          scopes: ['tasks:write'],
          taskRateLimit: { perMinute: 60, burst: 10 },
        },
        flows: {
          tenant: 'flows',
          scopes: ['tasks:write'],
          taskRateLimit: { perMinute: 60, burst: 10 },
        },
        submitter: {
          tenant: 'submitter',
          scopes: ['tasks:write'],
          rateLimit: { perMinute: 60, burst: 3 },
        },
      },
    },
  );

  it('sends RateLimit headers, then 429 with Retry-After once the burst is spent', async () => {
    const key = gateway.keys.slow ?? '';
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await gateway.requestWith(key, 'GET', '/v1/pools'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    const [first, , , refused] = answers;
    expect(first?.headers.get('ratelimit-limit')).toBe('3');
    expect(first?.headers.get('ratelimit-remaining')).toBe('2');
    expect(first?.headers.get('ratelimit-policy')).toBe('60;w=60;burst=3');
    expect(Number(first?.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(refused?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get('ratelimit-remaining')).toBe('0');
    // Another key has a budget of its own.
    expect((await gateway.request('GET', '/v1/pools')).status).toBe(200);
  });

  it('charges every submit one request, whether accepted or refused before its gate', async () => {
    const key = gateway.keys.submitter ?? '';
    const submit = (body: unknown) => gateway.requestWith(key, 'POST', '/v1/tasks', body);
    const accepted = await submit({ agent: 'echo' });
    expect(accepted.status).toBe(201);
    expect(accepted.headers.get('ratelimit-remaining')).toBe('2');
    const invalid = await submit({ agent: 'echo', priority: 'urgent' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('ratelimit-remaining')).toBe('1');
    const unknownAgent = await submit({ agent: 'nobody' });
    expect(unknownAgent.status).toBe(422);
    expect(unknownAgent.headers.get('ratelimit-remaining')).toBe('0');
    const spent = await submit({ agent: 'echo' });
    expect(spent.status).toBe(429);
    expect(spent.body.error.details).toMatchObject({ limit: 'requests', burst: 3 });
    expect(spent.headers.get('retry-after')).not.toBeNull();
  });

  it("counts each task of a batch toward the key's task budget", async () => {
    const key = gateway.keys.batcher ?? '';
    const batch = (n: number) =>
      gateway.requestWith(key, 'POST', '/v1/tasks/batch', {
        tasks: Array.from({ length: n }, () => ({ agent: 'echo' })),
      });
    expect((await batch(8)).status).toBe(201);
    const over = await batch(5);
    expect(over.status).toBe(429);
    expect(over.body.error.details).toMatchObject({ limit: 'tasks', burst: 10 });
    expect(over.headers.get('retry-after')).not.toBeNull();
    // A batch larger than the burst could never pass: 429 without Retry-After.
    const never = await batch(11);
    expect(never.status).toBe(429);
    expect(never.headers.get('retry-after')).toBeNull();
    expect((await batch(2)).status).toBe(201);
  });

  it("counts each step of a workflow toward the key's task budget", async () => {
    const key = gateway.keys.flows ?? '';
    const workflow = (n: number) =>
      gateway.requestWith(key, 'POST', '/v1/workflows', {
        steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, agent: 'echo' })),
      });
    expect((await workflow(8)).status).toBe(201);
    const over = await workflow(5);
    expect(over.status).toBe(429);
    expect(over.body.error.details).toMatchObject({ limit: 'tasks', burst: 10 });
  });
});

describe('the per-tenant cap on unfinished tasks', () => {
  const gateway = useGateway(
    { AGENTQ_GATEWAY_TENANT_MAX_UNFINISHED: '3' },
    { keys: { neighbour: { tenant: 'neighbour', scopes: ['tasks:write'] } } },
  );

  it('answers 429 past the cap, and takes tasks again once some finished', async () => {
    const submit = () => gateway.request('POST', '/v1/tasks', { agent: 'echo' });
    expect(
      (
        await gateway.request('POST', '/v1/tasks/batch', {
          tasks: [{ agent: 'echo' }, { agent: 'echo' }],
        })
      ).status,
    ).toBe(201);
    expect((await submit()).status).toBe(201);
    const refused = await submit();
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      details: { limit: 3, unfinished: 3, requested: 1 },
    });
    expect(refused.headers.get('retry-after')).toBe('5');
    // Another tenant is not held back.
    const other = await gateway.requestWith(gateway.keys.neighbour ?? '', 'POST', '/v1/tasks', {
      agent: 'echo',
    });
    expect(other.status).toBe(201);

    // A workflow's first steps count too; it is refused whole.
    const workflow = await gateway.request('POST', '/v1/workflows', {
      steps: [
        { id: 'a', agent: 'echo' },
        { id: 'b', agent: 'echo', dependsOn: ['a'] },
      ],
    });
    expect(workflow.status).toBe(429);
    expect(workflow.body.error.code).toBe('QUOTA_EXCEEDED');

    const worker: Worker = await gateway.startWorker('default', () => Promise.resolve('done'));
    const finished = new Promise<void>((resolve) => {
      let count = 0;
      worker.on('completed', () => {
        count += 1;
        if (count === 4) resolve();
      });
    });
    await finished;
    expect((await submit()).status).toBe(201);
  });
});
