import { useGateway } from './gateway-harness.js';

const gateway = useGateway({
  AGENTQ_GATEWAY_MAX_BACKLOG_HIGH: '3',
  AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '5',
  AGENTQ_GATEWAY_RETRY_AFTER_S: '7',
});

const post = (payload: unknown) => gateway.request('POST', '/v1/tasks', payload);

describe('admission control', () => {
  it('answers 429 with Retry-After once a pool holds the most tasks of a level', async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await post({ agent: 'echo', priority: 'high' })).status).toBe(201);
    }
    const refused = await post({ agent: 'echo', priority: 'high' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('7');
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    // Other levels and other pools have room of their own.
    expect((await post({ agent: 'echo', priority: 'normal' })).status).toBe(201);
    expect((await post({ agent: 'echo', priority: 'high', pool: 'large' })).status).toBe(201);
  });

  it('refuses an idempotent repeat while the pool is full, and answers it once there is room', async () => {
    const spec = { agent: 'echo', priority: 'high', pool: 'large', idempotencyKey: 'full-repeat' };
    const queue = gateway.queues.get('large')!;
    const waitingHigh = async () => (await queue.getCountsPerPriority([2]))[2] ?? 0;
    const first = await post(spec);
    expect(first.status).toBe(201);
    const fillers: string[] = [];
    while ((await waitingHigh()) < 3) {
      fillers.push((await post({ ...spec, idempotencyKey: undefined })).body.id);
    }

    expect(fillers.length).toBeGreaterThan(0);
    expect((await post(spec)).status).toBe(429);
    await queue.remove(fillers[0] ?? '');
    // As a client honouring Retry-After would, sooner: a backlog read may stand for 10 ms.
    let repeat = await post(spec);
    for (let tries = 1; repeat.status === 429 && tries < 100; tries += 1) repeat = await post(spec);
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(first.body.id);
    // The repeat queued nothing.
    expect(await waitingHigh()).toBe(2);
  });

  it('rejects a whole batch that does not fit, enqueuing none of it', async () => {
    const response = await gateway.request('POST', '/v1/tasks/batch', {
      tasks: Array.from({ length: 6 }, () => ({ agent: 'echo', priority: 'low' })),
    });
    expect(response.status).toBe(429);
    expect(await gateway.queues.get('default')!.getCountsPerPriority([4])).toEqual({ 4: 0 });
  });

  it('does not overshoot the limit under a burst of concurrent submits', async () => {
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => post({ agent: 'echo', priority: 'low', pool: 'large' })),
    );
    // Reservations are conservative: a task being added may be counted twice for a moment,
    // so a burst can be refused a little early, but never let past the limit.
    const accepted = answers.filter((a) => a.status === 201).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(15 - accepted);
    expect(await gateway.queues.get('large')!.getCountsPerPriority([4])).toEqual({ 4: accepted });
  });
});
