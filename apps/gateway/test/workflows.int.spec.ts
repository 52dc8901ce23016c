import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  WorkflowSpecSchema,
  queueName,
  type PoolName,
  type TaskJobData,
  type WorkflowSpecInput,
} from '@agentq/contracts';
import {
  WorkflowEngine,
  closeRedis,
  createRedis,
  createTaskQueue,
  onCancelRequest,
} from '@agentq/queue';
import {
  REDIS_URL,
  readEvents,
  startGateway,
  useGateway,
  type StreamEvent,
} from './gateway-harness.js';
import { RedisProxy } from './redis-proxy.js';

const gateway = useGateway();
let engine: WorkflowEngine;

/** Echoes its input's `value`, or hangs until aborted (for good) when the input says `hang`. */
async function step(job: Job<TaskJobData>, signal: AbortSignal | undefined): Promise<unknown> {
  const input = job.data.input as { value?: unknown; hang?: boolean };
  if (input.hang) {
    await sleep(60_000, undefined, { signal }).catch(() => {
      throw new UnrecoverableError('[CANCELLED] task cancelled');
    });
  }
  return input.value ?? null;
}

beforeAll(async () => {
  engine = new WorkflowEngine({
    redis: gateway.redis,
    prefix: gateway.prefix,
    queueFor: (pool: PoolName) => {
      const queue = gateway.queues.get(pool);
      if (!queue) throw new Error(`no queue ${pool}`);
      return queue;
    },
  });
  const worker = await gateway.startWorker(
    'default',
    async (job, _token, signal) => {
      const ref = job.data.workflow;
      if (!ref) throw new Error('not a workflow step');
      return engine.runStep(
        ref,
        job.id ?? '',
        () => step(job, signal),
        (error) => ({
          code: signal?.aborted ? 'CANCELLED' : 'AGENT_FAILED',
          message: (error as Error).message,
        }),
      );
    },
    20,
  );
  // What the worker app does with a cancel request: abort the task where it runs.
  const subscriber = createRedis(REDIS_URL, 'worker', 'test-cancels');
  const unsubscribe = await onCancelRequest(subscriber, gateway.prefix, (taskId) =>
    worker.cancelJob(taskId),
  );
  stopCancels = async () => {
    await unsubscribe();
    await subscriber.quit();
  };
});

let stopCancels: () => Promise<void> = () => Promise.resolve();
afterAll(() => stopCancels());

const echo = (id: string, dependsOn: string[] = [], input: unknown = {}) => ({
  id,
  agent: 'echo',
  dependsOn,
  input,
});

const submit = (spec: WorkflowSpecInput, headers: Record<string, string> = {}) =>
  gateway.request('POST', '/v1/workflows', spec, headers);

async function collect(response: Response): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  for await (const event of readEvents(response)) all.push(event);
  return all;
}

describe('POST /v1/workflows', () => {
  it('runs a diamond: 201 at submit, outputs passed by $ref, completed on ?wait=', async () => {
    const created = await submit({
      name: 'diamond',
      steps: [
        echo('plan', [], { value: { tasks: ['x', 'y'] } }),
        echo('left', ['plan'], { value: { $ref: 'steps.plan.output.tasks' } }),
        echo('right', ['plan'], { value: 'R' }),
        echo('merge', ['left', 'right'], {
          value: [{ $ref: 'steps.left.output' }, { $ref: 'steps.right.output' }],
        }),
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'diamond', state: 'running' });

    const done = await gateway.request('GET', `/v1/workflows/${created.body.id}?wait=30`);
    expect(done.status).toBe(200);
    expect(done.body.state).toBe('completed');
    expect(done.body.finishedAt).toEqual(expect.any(String));
    const merge = done.body.steps.find((s: { id: string }) => s.id === 'merge');
    // Each step says what it waits for (the graph's edges), where it runs and its input.
    expect(merge).toMatchObject({
      dependsOn: ['left', 'right'],
      pool: 'default',
      input: { value: [{ $ref: 'steps.left.output' }, { $ref: 'steps.right.output' }] },
      state: 'completed',
      attempts: 1,
      output: [['x', 'y'], 'R'],
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
    });
  });

  it('rejects a cycle with 400 and names it', async () => {
    const answer = await submit({
      steps: [echo('a', ['c']), echo('b', ['a']), echo('c', ['b']), echo('d')],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(answer.body.error.message).toContain('dependency cycle: a -> c -> b -> a');
  });

  it('rejects a reference to a step that is not a dependency with 400 and names it', async () => {
    const answer = await submit({
      steps: [echo('a'), echo('b'), echo('c', ['a'], { value: { $ref: 'steps.b.output' } })],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(
      'body.steps.2.input.value: $ref to step "b", which is not in dependsOn',
    );
  });

  it('refuses a step whose input is over the size limit with 413 naming it', async () => {
    // The default limit is 256 KiB of JSON; the body stays under its own 1 MiB.
    const answer = await submit({
      steps: [echo('a'), echo('b', ['a'], { value: 'x'.repeat(300_000) })],
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      details: [{ path: 'body.steps.1.input' }],
    });
  });

  it('rejects duplicate ids, unknown dependencies and more than 1,000 steps', async () => {
    const duplicate = await submit({ steps: [echo('a'), echo('a'), echo('b', ['zz'])] });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.details).toEqual([
      { path: 'body.steps.1.id', message: 'duplicate step id "a"' },
      { path: 'body.steps.2.dependsOn.0', message: 'unknown step "zz"' },
    ]);
    const tooMany = await submit({
      steps: Array.from({ length: 1001 }, (_, i) => echo(`s${i}`)),
    });
    expect(tooMany.status).toBe(400);
  });

  it("checks each step's agent and input at submit, leaving referenced parts to run time", async () => {
    const unknown = await submit({ steps: [{ id: 'a', agent: 'nope' }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.message).toBe('unknown agent "nope" in step "a"');

    const invalid = await submit({
      steps: [{ id: 'a', agent: 'sim', input: { latencyMs: 'soon' } }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].path).toBe('body.steps.0.input.latencyMs');

    // A reference where a number belongs is accepted: its value is not known yet.
    const referenced = await submit({
      steps: [
        { id: 'a', agent: 'sim', pool: 'large', input: { output: 5 } },
        {
          id: 'b',
          agent: 'sim',
          pool: 'large',
          dependsOn: ['a'],
          input: { latencyMs: { $ref: 'steps.a.output' } },
        },
      ],
    });
    expect(referenced.status).toBe(201);
  });

  it('answers a repeated Idempotency-Key with the first workflow, another body with 409', async () => {
    const spec = { steps: [echo('a', [], { value: 1 })] };
    const key = { 'idempotency-key': `wf-${Date.now()}` };
    const first = await submit(spec, key);
    const again = await submit(spec, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await submit({ steps: [echo('b')] }, key);
    expect(other.status).toBe(409);
  });
});

describe('POST /v1/workflows admission', () => {
  it("refuses a workflow whose first steps do not fit the pool's backlog, with 429", async () => {
    const limited = await startGateway({ AGENTQ_GATEWAY_MAX_BACKLOG_LOW: '2' });
    try {
      const low = (id: string, dependsOn: string[] = []) => ({
        ...echo(id, dependsOn),
        pool: 'large',
        priority: 'low',
      });
      const refused = await limited.request('POST', '/v1/workflows', {
        steps: [low('a'), low('b'), low('c')],
      });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toEqual(expect.any(String));
      // Only the steps queued at submit count: dependents are queued later.
      const admitted = await limited.request('POST', '/v1/workflows', {
        steps: [low('a'), low('b'), low('c', ['a', 'b'])],
      });
      expect(admitted.status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('GET /v1/workflows/:id', () => {
  it("answers 404 for an unknown workflow and for another tenant's", async () => {
    expect((await gateway.request('GET', '/v1/workflows/nope')).status).toBe(404);
    const spec = WorkflowSpecSchema.parse({ steps: [{ ...echo('a'), pool: 'large' }] });
    const id = await engine.create(spec, 'another-tenant');
    const answer = await gateway.request('GET', `/v1/workflows/${id}`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
    expect((await gateway.request('POST', `/v1/workflows/${id}/cancel`)).status).toBe(404);
  });
});

describe('GET /v1/workflows/:id/events', () => {
  it('streams every step transition and ends with the final workflow event', async () => {
    const created = await submit({ steps: [echo('a'), echo('b', ['a'])] });
    const response = await gateway.fetch(`/v1/workflows/${created.body.id}/events`);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = await collect(response);
    const steps = events
      .filter((e) => e.event === 'step')
      .map((e) => `${String(e.data.step)}:${String(e.data.state)}`);
    expect(steps).toEqual(['a:running', 'a:completed', 'b:queued', 'b:running', 'b:completed']);
    expect(events[0]).toMatchObject({ event: 'workflow', data: { state: 'running' } });
    expect(events.at(-1)).toMatchObject({
      event: 'workflow',
      data: { state: 'completed', final: true },
    });

    // Resuming after an event id sends only what came after it.
    const resumed = await collect(
      await gateway.fetch(`/v1/workflows/${created.body.id}/events`, {
        headers: { 'last-event-id': events.at(-2)?.id ?? '' },
      }),
    );
    expect(resumed.map((e) => e.event)).toEqual(['workflow']);
  });
});

describe('POST /v1/workflows/:id/cancel', () => {
  it('aborts running steps and cancels pending ones; 409 once ended', async () => {
    const created = await submit({
      steps: [echo('hang', [], { hang: true }), echo('next', ['hang'])],
    });
    const id = created.body.id as string;
    // Wait until the hanging step runs, from its own events.
    const response = await gateway.fetch(`/v1/workflows/${id}/events`);
    for await (const event of readEvents(response)) {
      if (event.data.step === 'hang' && event.data.state === 'running') break;
    }
    const cancelled = await gateway.request('POST', `/v1/workflows/${id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.state).toBe('cancelled');

    const settled = await gateway.request('GET', `/v1/workflows/${id}?wait=30`);
    expect(settled.body.finishedAt).toEqual(expect.any(String));
    expect(settled.body.steps.map((s: { state: string }) => s.state)).toEqual([
      'cancelled',
      'cancelled',
    ]);
    const again = await gateway.request('POST', `/v1/workflows/${id}/cancel`);
    expect(again.status).toBe(409);
  });
});

describe('workflow waiters across a Redis outage', () => {
  it('answer a workflow that finished while the gateway was cut off from Redis', async () => {
    const link = await RedisProxy.create(REDIS_URL);
    const own = await startGateway({ REDIS_URL: link.url });
    // The worker and its engine reach Redis directly, past the cut: the workflow's change is
    // published while the gateway's subscriber is away.
    const direct = createRedis(REDIS_URL, 'worker', 'test-workflow-outage');
    const stepQueue = createTaskQueue('default', { connection: direct, prefix: own.prefix });
    const ownEngine = new WorkflowEngine({
      redis: direct,
      prefix: own.prefix,
      queueFor: () => stepQueue,
    });
    const worker = new Worker<TaskJobData>(
      queueName('default'),
      (job) => {
        const ref = job.data.workflow;
        if (!ref) throw new Error('not a workflow step');
        return ownEngine.runStep(
          ref,
          job.id ?? '',
          () => step(job, undefined),
          () => undefined,
        );
      },
      { connection: direct, prefix: own.prefix, autorun: false },
    );
    try {
      const created = await own.request('POST', '/v1/workflows', {
        steps: [echo('only', [], { value: 'done' })],
      });
      expect(created.status).toBe(201);
      const waited = own.request('GET', `/v1/workflows/${created.body.id}?wait=60`);
      // The waiter counts itself before its first read; a read sent after that one is
      // answered after it, so the waiter is holding once this GET is answered.
      while (!(await own.request('GET', '/metrics')).text.includes('wait_requests_open 1')) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      await own.request('GET', `/v1/workflows/${created.body.id}`);

      link.cut();
      const completed = new Promise((resolve) => worker.once('completed', resolve));
      worker.run().catch(() => undefined);
      await completed;
      link.restore();

      const answer = await waited;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ state: 'completed' });
    } finally {
      await worker.close();
      await stepQueue.close();
      await closeRedis(direct);
      await own.close();
      await link.close();
    }
  });
});
