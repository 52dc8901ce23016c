import { UnrecoverableError } from 'bullmq';
import { addDeadLetter, createRedis, onCancelRequest } from '@agentq/queue';
import { REDIS_URL, useGateway } from './gateway-harness.js';

const gateway = useGateway();
const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancel-sub');
let stopListening: () => Promise<void>;
/** Cancel requests seen, as the worker app would receive them. */
const cancelWaiters = new Map<string, () => void>();
/** How many runs each retried task has had. */
const runs = new Map<string, number>();

beforeAll(async () => {
  stopListening = await onCancelRequest(subscriber, gateway.prefix, (taskId) =>
    cancelWaiters.get(taskId)?.(),
  );
  // A stand-in for the worker: `hold` tasks run until cancelled; `flaky` ones fail their
  // first run; others echo.
  await gateway.startWorker('default', async (job) => {
    const id = job.id ?? '';
    if (job.data.metadata?.hold === true) {
      await new Promise<void>((resolve) => {
        cancelWaiters.set(id, resolve);
        void job.updateProgress('holding');
      });
      throw new UnrecoverableError('[CANCELLED] cancelled by request');
    }
    runs.set(id, (runs.get(id) ?? 0) + 1);
    if (job.data.metadata?.flaky === true && runs.get(id) === 1) {
      throw new UnrecoverableError('[AGENT_FAILED] first run fails');
    }
    return job.data.input;
  });
});
afterAll(async () => {
  await stopListening();
  await subscriber.quit();
});

const submit = async (spec: object, wait = '') =>
  (await gateway.request('POST', `/v1/tasks${wait}`, { agent: 'echo', ...spec })).body as {
    id: string;
    state: string;
  };
const cancel = (id: string) => gateway.request('POST', `/v1/tasks/${id}/cancel`);

describe('POST /v1/tasks/:id/cancel', () => {
  it('removes a waiting task from its queue, which then reads cancelled', async () => {
    const { id } = await submit({ pool: 'large' });
    const response = await cancel(id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id, state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(await gateway.queues.get('large')!.getJob(id)).toBeUndefined();
    const read = await gateway.request('GET', `/v1/tasks/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.state).toBe('cancelled');
  });

  it('removes a delayed task too', async () => {
    const { id } = await submit({ delayMs: 60_000 });
    expect((await cancel(id)).status).toBe(200);
    expect((await gateway.request('GET', `/v1/tasks/${id}`)).body.state).toBe('cancelled');
  });

  it('asks the worker to stop a running task (202), which then ends cancelled', async () => {
    const { id } = await submit({ metadata: { hold: true } });
    const stream = (await gateway.openEvents(id)).events();
    // Running once it reports progress (seen live, or already in the first state event).
    for await (const event of stream) {
      if ((event.data as { progress?: unknown }).progress === 'holding') break;
    }
    const response = await cancel(id);
    expect(response.status).toBe(202);
    expect(response.body.state).toBe('active');
    const final = await gateway.request('GET', `/v1/tasks/${id}?wait=10`);
    expect(final.body).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
  });

  it('answers 409 for a finished task and for one cancelled already', async () => {
    const done = await submit({ input: 1 }, '?wait=10');
    expect(done.state).toBe('completed');
    expect((await cancel(done.id)).status).toBe(409);
    const { id } = await submit({ pool: 'large' });
    await cancel(id);
    expect((await cancel(id)).status).toBe(409);
  });

  it('answers 404 for an unknown task', async () => {
    expect((await cancel('nope')).status).toBe(404);
  });
});

describe('POST /v1/tasks/:id/retry', () => {
  it('runs a failed task again with all its attempts', async () => {
    const failed = await submit({ input: 'again', metadata: { flaky: true } }, '?wait=10');
    expect(failed.state).toBe('failed');
    const response = await gateway.request('POST', `/v1/tasks/${failed.id}/retry`);
    expect(response.status).toBe(200);
    expect(response.body.error).toBeNull();
    const final = await gateway.request('GET', `/v1/tasks/${failed.id}?wait=10`);
    // attemptsMade was reset: the second run is its first attempt again.
    expect(final.body).toMatchObject({ state: 'completed', result: 'again', attemptsMade: 1 });
  });

  it('takes the task off the dead-letter list, so a pool redrive does not meet it again', async () => {
    const failed = await submit({ input: 'dead', metadata: { flaky: true } }, '?wait=10');
    expect(failed.state).toBe('failed');
    // What the worker app does once a task failed for good (the worker is not under test).
    const job = await gateway.queues.get('default')!.getJob(failed.id);
    await addDeadLetter(gateway.redis, gateway.prefix, {
      pool: 'default',
      taskId: failed.id,
      name: job!.name,
      data: job!.data,
      opts: { ...job!.opts },
      failedReason: job!.failedReason,
      attemptsMade: job!.attemptsMade,
      attempts: [],
      createdAt: job!.timestamp,
      failedAt: job!.finishedOn!,
    });
    const deadLetterIds = async () =>
      (await gateway.request('GET', '/v1/dead-letter?pool=default')).body.deadLetters.map(
        (entry: { id: string }) => entry.id,
      ) as string[];
    expect(await deadLetterIds()).toContain(failed.id);

    expect((await gateway.request('POST', `/v1/tasks/${failed.id}/retry`)).status).toBe(200);
    expect(await deadLetterIds()).not.toContain(failed.id);
    expect((await gateway.request('GET', `/v1/dead-letter/${failed.id}`)).status).toBe(404);
    const final = await gateway.request('GET', `/v1/tasks/${failed.id}?wait=10`);
    expect(final.body).toMatchObject({ state: 'completed', result: 'dead' });
    const redrive = await gateway.request('POST', '/v1/dead-letter/redrive', {
      pool: 'default',
      limit: 1,
    });
    expect(redrive.body).toEqual({ redriven: [], notFound: [], conflicts: [], remaining: 0 });
  });

  it('answers 409 for a task that did not fail', async () => {
    const done = await submit({}, '?wait=10');
    const response = await gateway.request('POST', `/v1/tasks/${done.id}/retry`);
    expect(response.status).toBe(409);
    expect(response.body.error.details).toEqual({ state: 'completed' });
  });
});
