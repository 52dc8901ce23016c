import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { startGateway, useGateway } from './gateway-harness.js';

const gateway = useGateway();
beforeAll(async () => {
  // Only the default pool has a worker: tasks on `large` stay waiting.
  await gateway.startWorker('default', (job) =>
    job.data.metadata?.fail === true
      ? Promise.reject(new UnrecoverableError('[AGENT_FAILED] no luck'))
      : Promise.resolve(job.data.input),
  );
});

describe('?wait=', () => {
  it('holds POST /v1/tasks until the task completed and answers its result', async () => {
    const response = await gateway.request('POST', '/v1/tasks?wait=10', {
      agent: 'echo',
      input: { hello: 'world' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ state: 'completed', result: { hello: 'world' } });
  });

  it('answers a failed task with its error', async () => {
    const response = await gateway.request('POST', '/v1/tasks?wait=10', {
      agent: 'echo',
      metadata: { fail: true },
    });
    expect(response.body).toMatchObject({
      state: 'failed',
      error: { code: 'AGENT_FAILED', message: 'no luck' },
    });
  });

  it('answers GET with the current state once the time is up', async () => {
    const { id } = (await gateway.request('POST', '/v1/tasks', { agent: 'echo', pool: 'large' }))
      .body;
    const started = Date.now();
    const response = await gateway.request('GET', `/v1/tasks/${id}?wait=0.3`);
    expect(response.status).toBe(200);
    expect(response.body.state).toBe('waiting');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('answers at once for a task that already finished', async () => {
    const { id } = (await gateway.request('POST', '/v1/tasks?wait=10', { agent: 'echo', input: 7 }))
      .body;
    const started = Date.now();
    const response = await gateway.request('GET', `/v1/tasks/${id}?wait=60`);
    expect(response.body).toMatchObject({ state: 'completed', result: 7 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('serves many waiters on one task and tasks finishing together', async () => {
    const ids: string[] = (
      await gateway.request('POST', '/v1/tasks/batch', {
        tasks: Array.from({ length: 20 }, (_, i) => ({ agent: 'echo', input: i })),
      })
    ).body.tasks.map((t: { id: string }) => t.id);
    const answers = await Promise.all(
      [...ids, ids[0], ids[0]].map((id) => gateway.request('GET', `/v1/tasks/${id}?wait=10`)),
    );
    expect(answers.every((a) => a.body.state === 'completed')).toBe(true);
  });

  it('rejects a wait above 60 seconds', async () => {
    const response = await gateway.request('GET', `/v1/tasks/${randomUUID()}?wait=61`);
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe('query.wait');
  });
});

describe('?wait= at shutdown', () => {
  it('answers a held request with the current state when the gateway closes', async () => {
    const own = await startGateway();
    try {
      const { id } = (await own.request('POST', '/v1/tasks', { agent: 'echo' })).body;
      const held = own.request('GET', `/v1/tasks/${id}?wait=60`);
      // Held once the gauge says so; then close while it waits.
      while (!(await own.request('GET', '/metrics')).text.includes('wait_requests_open 1')) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const closing = own.close();
      const answer = await held;
      await closing;
      expect(answer.status).toBe(200);
      expect(answer.body.state).toBe('waiting');
    } finally {
      await own.close();
    }
  });
});
