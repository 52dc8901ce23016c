import { randomUUID } from 'node:crypto';
import { DEFAULT_FINISHED_RECORD_LIMITS, FinishedTasks } from '@agentq/queue';
import { useGateway } from './gateway-harness.js';

const gateway = useGateway(
  {},
  { keys: { other: { tenant: 'someone-else', scopes: ['tasks:read', 'tasks:write'] } } },
);

/** As a worker leaves it: the task finished, and retention has since removed its job. */
async function finishedAndRemoved(state: 'completed' | 'failed', at: number): Promise<string> {
  const submitted = await gateway.request('POST', '/v1/tasks', { agent: 'echo' });
  const id = submitted.body.id as string;
  const records = new FinishedTasks(
    gateway.redis,
    gateway.prefix,
    DEFAULT_FINISHED_RECORD_LIMITS,
    (err) => {
      throw err;
    },
  );
  records.add('default', id, state, at);
  await records.flush();
  await gateway.queues.get('default')?.remove(id);
  return id;
}

describe('a task whose result retention removed', () => {
  it('answers 410 EXPIRED with when and how it ended on every task route', async () => {
    const at = Date.now() - 60_000;
    const id = await finishedAndRemoved('completed', at);
    const answers = await Promise.all([
      gateway.request('GET', `/v1/tasks/${id}`),
      gateway.request('GET', `/v1/tasks/${id}?wait=5`),
      gateway.request('GET', `/v1/tasks/${id}/logs`),
      gateway.request('GET', `/v1/tasks/${id}/events`),
      gateway.request('POST', `/v1/tasks/${id}/cancel`),
      gateway.request('POST', `/v1/tasks/${id}/retry`),
    ]);
    for (const answer of answers) {
      expect({ status: answer.status, error: answer.body.error }).toMatchObject({
        status: 410,
        error: {
          code: 'EXPIRED',
          details: { finishedAt: new Date(at).toISOString(), state: 'completed' },
        },
      });
    }
  });

  it('answers 404 to another tenant, and for ids that never existed', async () => {
    const id = await finishedAndRemoved('failed', Date.now());
    const other = await gateway.requestWith(gateway.keys.other ?? null, 'GET', `/v1/tasks/${id}`);
    expect(other.status).toBe(404);
    expect((await gateway.request('GET', `/v1/tasks/${randomUUID()}`)).status).toBe(404);
    const own = await gateway.request('GET', `/v1/tasks/${id}`);
    expect(own.body.error.details.state).toBe('failed');
  });
});
