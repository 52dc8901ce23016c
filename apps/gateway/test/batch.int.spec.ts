import { useGateway } from './gateway-harness.js';

// The 1,000-task batch below is critical: no backlog limit for it to meet.
const gateway = useGateway({ AGENTQ_GATEWAY_MAX_BACKLOG_CRITICAL: '0' });

const batch = (tasks: unknown) => gateway.request('POST', '/v1/tasks/batch', { tasks });
const total = async () => {
  let sum = 0;
  for (const queue of gateway.queues.values()) {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    sum += Object.values(counts).reduce((a, b) => a + b, 0);
  }
  return sum;
};

describe('POST /v1/tasks/batch', () => {
  it('enqueues every task on its pool and answers their ids in order', async () => {
    const response = await batch([
      { agent: 'echo', input: 1 },
      { agent: 'echo', input: 2, pool: 'large' },
      { agent: 'echo', input: 3, delayMs: 60_000 },
    ]);
    expect(response.status).toBe(201);
    const tasks = response.body.tasks as { id: string; state: string }[];
    expect(tasks.map((t) => t.state)).toEqual(['waiting', 'waiting', 'delayed']);
    expect((await gateway.queues.get('default')!.getJob(tasks[0]!.id))?.data.input).toBe(1);
    expect((await gateway.queues.get('large')!.getJob(tasks[1]!.id))?.data.input).toBe(2);
  });

  it('rejects the whole batch with 400 naming the index of a bad task, enqueuing nothing', async () => {
    const before = await total();
    const response = await batch([{ agent: 'echo' }, { agent: 'echo', priority: 'urgent' }]);
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('body.tasks.1.priority');
    expect(await total()).toBe(before);
  });

  it('names the index of a task whose input its agent refuses', async () => {
    const before = await total();
    const response = await batch([
      { agent: 'echo' },
      { agent: 'echo' },
      { agent: 'sim', input: { latencyMs: 'slow' } },
    ]);
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('body.tasks.2.input.latencyMs');
    expect(await total()).toBe(before);
  });

  it('refuses the whole batch with 413 naming a task whose input is over the input limit', async () => {
    const before = await total();
    const limit = 262_144; // AGENTQ_GATEWAY_INPUT_LIMIT_BYTES's default
    const response = await batch([
      { agent: 'echo', input: 'x'.repeat(limit - 2) },
      { agent: 'echo', input: { blob: 'x'.repeat(limit) } },
    ]);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: [{ path: 'body.tasks.1.input' }],
    });
    expect(await total()).toBe(before);
  });

  it('refuses more than 1,000 tasks and an empty batch', async () => {
    const tooMany = await batch(Array.from({ length: 1001 }, () => ({ agent: 'echo' })));
    expect(tooMany.status).toBe(400);
    expect((await batch([])).status).toBe(400);
  });

  it('enqueues 1,000 tasks in one request', async () => {
    const before = await total();
    const response = await batch(
      Array.from({ length: 1000 }, (_, i) => ({ agent: 'echo', input: i, priority: 'critical' })),
    );
    expect(response.status).toBe(201);
    expect(response.body.tasks).toHaveLength(1000);
    expect(await total()).toBe(before + 1000);
  });

  it('answers repeats of an idempotency key with the first task, within and across batches', async () => {
    const first = await batch([
      { agent: 'echo', idempotencyKey: 'b-1' },
      { agent: 'echo', idempotencyKey: 'b-1' },
    ]);
    expect(first.status).toBe(201);
    const [a, b] = first.body.tasks as { id: string }[];
    expect(a!.id).toBe(b!.id);
    const again = await batch([{ agent: 'echo', idempotencyKey: 'b-1' }]);
    expect(again.body.tasks[0].id).toBe(a!.id);
    const conflict = await batch([
      { agent: 'echo' },
      { agent: 'echo', input: 9, idempotencyKey: 'b-1' },
    ]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.details[0].path).toBe('body.tasks.1.idempotencyKey');
  });
});
