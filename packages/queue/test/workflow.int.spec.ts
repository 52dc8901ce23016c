import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type Job } from 'bullmq';
import {
  WorkflowSpecSchema,
  queueName,
  type TaskJobData,
  type WorkflowSpecInput,
  type WorkflowView,
} from '@agentq/contracts';
import { createBackoffStrategy } from '../src/backoff.js';
import { onCancelRequest } from '../src/cancellation.js';
import { createRedis } from '../src/connection.js';
import { createTaskQueue } from '../src/queue-factory.js';
import { WorkflowEngine } from '../src/workflow/workflow-engine.js';
import { stepTaskId, workflowKeys } from '../src/workflow/workflow-keys.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from './redis-test-env.js';

type StepInput = { value?: unknown; fail?: boolean; hang?: boolean; parts?: unknown[] };

const prefix = uniquePrefix('workflow');
const redis = createRedis(REDIS_URL, 'worker', 'test-wf');
const subscriber = createRedis(REDIS_URL, 'worker', 'test-wf-sub');
const queue = createTaskQueue('default', { connection: redis, prefix });
/** A pool no worker serves. */
const idleQueue = createTaskQueue('idle', { connection: redis, prefix });
const engine = new WorkflowEngine({
  redis,
  prefix,
  queueFor: (pool) => (pool === 'idle' ? idleQueue : queue),
});
/** How many times each task id ran (to show every step starts once). */
const runs = new Map<string, number>();
const finished = new Map<string, () => void>();
let worker: Worker<TaskJobData>;
let unsubscribe: () => Promise<void>;

/** What a step does in these tests: echo, fail, or hang until aborted. */
async function stepBehaviour(
  job: Job<TaskJobData>,
  signal: AbortSignal | undefined,
): Promise<unknown> {
  const input = job.data.input as StepInput;
  runs.set(job.id ?? '', (runs.get(job.id ?? '') ?? 0) + 1);
  if (input.fail) throw new Error('step failed on purpose');
  if (input.hang) {
    await sleep(60_000, undefined, { signal });
  }
  return input.value ?? input.parts ?? job.data.workflow?.step;
}

beforeAll(async () => {
  const workerConnection = createRedis(REDIS_URL, 'worker', 'test-wf-worker');
  worker = new Worker<TaskJobData>(
    queueName('default'),
    async (job, _token, signal) => {
      const ref = job.data.workflow;
      if (!ref) throw new Error('not a workflow step');
      try {
        return await engine.runStep(
          ref,
          job.id ?? '',
          () => stepBehaviour(job, signal),
          (error) =>
            job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || signal?.aborted
              ? {
                  code: signal?.aborted ? 'CANCELLED' : 'AGENT_FAILED',
                  message: (error as Error).message,
                }
              : undefined,
        );
      } finally {
        const view = await engine.get(ref.id);
        if (view?.finishedAt) finished.get(ref.id)?.();
      }
    },
    {
      connection: workerConnection,
      prefix,
      concurrency: 50,
      settings: { backoffStrategy: createBackoffStrategy({ baseMs: 10, capMs: 50 }) },
    },
  );
  worker.on('closed', () => void workerConnection.quit());
  unsubscribe = await onCancelRequest(subscriber, prefix, (taskId) => worker.cancelJob(taskId));
});

afterAll(async () => {
  await unsubscribe();
  await worker.close();
  await Promise.all([queue.close(), idleQueue.close()]);
  await Promise.all([redis.quit(), subscriber.quit()]);
  await deletePrefix(prefix);
});

/** a -> b, in a pool no worker serves (the test plays the worker). */
function idleSpec() {
  return WorkflowSpecSchema.parse({
    steps: [
      { ...echo('a'), pool: 'idle' },
      { ...echo('b', ['a'], { value: { $ref: 'steps.a.output' } }), pool: 'idle' },
    ],
  });
}

/** Ids of the workflow's tasks waiting in the idle pool. */
async function idleJobIds(workflowId: string): Promise<string[]> {
  const jobs = await idleQueue.getJobs(['prioritized', 'waiting']);
  return jobs
    .map((job) => job.id ?? '')
    .filter((id) => id.startsWith(stepTaskId(workflowId, '')))
    .sort();
}

/** Creates a workflow and resolves with its view once it settled (every step ended). */
async function runWorkflow(input: WorkflowSpecInput): Promise<WorkflowView> {
  const spec = WorkflowSpecSchema.parse(input);
  let done: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (done = resolve));
  const id = crypto.randomUUID();
  finished.set(id, done);
  await engine.create(spec, 'tenant-a', id);
  await ended;
  const view = await engine.get(id);
  if (!view) throw new Error('workflow vanished');
  return view;
}

const states = (view: WorkflowView) =>
  Object.fromEntries(view.steps.map((step) => [step.id, step.state]));
const echo = (id: string, dependsOn: string[] = [], input: unknown = {}, attempts = 1) => ({
  id,
  agent: 'echo',
  dependsOn,
  input,
  attempts,
});

describe(WorkflowEngine.name, () => {
  it('runs a diamond, passing outputs to the steps that reference them', async () => {
    const view = await runWorkflow({
      steps: [
        echo('plan', [], { value: { tasks: ['x', 'y'] } }),
        echo('left', ['plan'], { value: { $ref: 'steps.plan.output.tasks' } }),
        echo('right', ['plan'], { value: 'R' }),
        echo('merge', ['left', 'right'], {
          parts: [{ $ref: 'steps.left.output' }, { $ref: 'steps.right.output' }],
        }),
      ],
    });
    expect(view.state).toBe('completed');
    expect(view.steps.find((step) => step.id === 'merge')?.output).toEqual([['x', 'y'], 'R']);
    expect(view.steps.every((step) => step.attempts === 1 && step.finishedAt !== null)).toBe(true);
  });

  it('fans out to 100 steps and back into one step that depends on all of them', async () => {
    const middles = Array.from({ length: 100 }, (_, i) => echo(`m${i}`, ['root'], { value: i }));
    const view = await runWorkflow({
      steps: [
        echo('root'),
        ...middles,
        echo(
          'join',
          middles.map((step) => step.id),
          { parts: middles.map((step) => ({ $ref: `steps.${step.id}.output` })) },
        ),
      ],
    });
    expect(view.state).toBe('completed');
    expect(view.steps.find((step) => step.id === 'join')?.output).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(runs.get(stepTaskId(view.id, 'join'))).toBe(1);
  });

  it('starts a child once when its two parents complete at the same moment, every time', async () => {
    const views = await Promise.all(
      Array.from({ length: 25 }, () =>
        runWorkflow({ steps: [echo('p1'), echo('p2'), echo('child', ['p1', 'p2'])] }),
      ),
    );
    for (const view of views) {
      expect(view.state).toBe('completed');
      expect(runs.get(stepTaskId(view.id, 'child'))).toBe(1);
    }
  });

  it('fail-fast: a failed step ends the workflow, aborts running steps and cancels pending ones', async () => {
    const view = await runWorkflow({
      onFailure: 'fail-fast',
      steps: [
        echo('slow', [], { hang: true }),
        echo('bad', [], { fail: true }),
        echo('after', ['slow']),
      ],
    });
    expect(view.state).toBe('failed');
    expect(states(view)).toEqual({ slow: 'cancelled', bad: 'failed', after: 'cancelled' });
    expect(view.steps.find((step) => step.id === 'bad')?.error).toEqual({
      code: 'AGENT_FAILED',
      message: 'step failed on purpose',
    });
  });

  it('continue: runs every step whose dependencies succeeded and skips the others', async () => {
    const view = await runWorkflow({
      onFailure: 'continue',
      steps: [
        echo('bad', [], { fail: true }),
        echo('good'),
        echo('child', ['bad']),
        echo('grandchild', ['child', 'good']),
        echo('other', ['good']),
      ],
    });
    expect(view.state).toBe('failed');
    expect(states(view)).toEqual({
      bad: 'failed',
      good: 'completed',
      child: 'skipped',
      grandchild: 'skipped',
      other: 'completed',
    });
  });

  it("lets a step's own retries come before the workflow counts it failed", async () => {
    const view = await runWorkflow({
      steps: [echo('flaky', [], { fail: true }, 3), echo('after', ['flaky'])],
    });
    expect(states(view)).toEqual({ flaky: 'failed', after: 'cancelled' });
    expect(view.steps[0]?.attempts).toBe(3);
  });

  it('records a step output once and releases its dependents once when its task runs twice', async () => {
    // In a pool no worker serves, the test plays the worker: step a completes twice.
    const id = await engine.create(idleSpec(), 'tenant-a');
    expect(await engine.onStepStart({ id, step: 'a' }, stepTaskId(id, 'a'))).toBe('run');
    await engine.onStepSuccess({ id, step: 'a' }, 'first');
    await engine.onStepSuccess({ id, step: 'a' }, 'second');

    const view = await engine.get(id);
    expect(view?.steps.map((step) => [step.id, step.state, step.output])).toEqual([
      ['a', 'completed', 'first'],
      ['b', 'queued', null],
    ]);
    expect(await idleJobIds(id)).toEqual([stepTaskId(id, 'a'), stepTaskId(id, 'b')].sort());
    const events = await engine.events(id);
    expect(
      events.filter(({ event }) => event.kind === 'step' && event.state === 'completed'),
    ).toHaveLength(1);
  });

  it('recovers a release whose worker died before enqueueing: the step is not run again', async () => {
    const id = await engine.create(idleSpec(), 'tenant-a');
    const ref = { id, step: 'a' };
    expect(await engine.onStepStart(ref, stepTaskId(id, 'a'))).toBe('run');
    await engine.onStepSuccess(ref, { n: 1 });
    // As if the worker died after the completion but before adding b's task.
    await idleQueue.remove(stepTaskId(id, 'b'));
    expect(await idleJobIds(id)).toEqual([stepTaskId(id, 'a')]);

    // a's task is delivered again (its lock expired): nothing runs, b is enqueued.
    let ran = false;
    const attempt = () => {
      ran = true;
      return Promise.resolve('never');
    };
    const output = await engine.runStep(ref, stepTaskId(id, 'a'), attempt, () => undefined);
    expect(ran).toBe(false);
    expect(output).toEqual({ n: 1 });
    expect(await idleJobIds(id)).toEqual([stepTaskId(id, 'a'), stepTaskId(id, 'b')].sort());
    expect((await idleQueue.getJob(stepTaskId(id, 'b')))?.data.input).toEqual({ value: { n: 1 } });
  });

  it('recovers a create that stopped between storing the workflow and queueing its first steps', async () => {
    // As if the creating process died (or Redis went away) right after storing it.
    const broken = new WorkflowEngine({
      redis,
      prefix,
      queueFor: () => {
        throw new Error('gone before queueing');
      },
    });
    await expect(broken.create(idleSpec(), 'tenant-a', 'stranded')).rejects.toThrow('gone');
    expect(await idleJobIds('stranded')).toEqual([]);
    // Not yet old enough: a create may still be queueing.
    expect(await engine.recoverCreates(60_000)).toEqual([]);

    expect(await engine.recoverCreates(0)).toEqual(['stranded']);
    expect(await idleJobIds('stranded')).toEqual([stepTaskId('stranded', 'a')]);
    // Done with it; and a create that finished leaves nothing to recover.
    await engine.create(idleSpec(), 'tenant-a');
    expect(await engine.recoverCreates(0)).toEqual([]);
    expect(await idleJobIds('stranded')).toEqual([stepTaskId('stranded', 'a')]);
  });

  it('releases a child once when two callers complete its parents at the same moment, 200 times', async () => {
    const spec = WorkflowSpecSchema.parse({
      steps: [
        { ...echo('p1'), pool: 'idle' },
        { ...echo('p2'), pool: 'idle' },
        { ...echo('child', ['p1', 'p2']), pool: 'idle' },
      ],
    });
    // A second engine on its own connection: the two calls really race in Redis.
    const otherRedis = createRedis(REDIS_URL, 'worker', 'test-wf-other');
    const other = new WorkflowEngine({ redis: otherRedis, prefix, queueFor: () => idleQueue });
    try {
      for (let round = 0; round < 200; round++) {
        const id = await engine.create(spec, 'tenant-a');
        await Promise.all([
          engine.onStepStart({ id, step: 'p1' }, stepTaskId(id, 'p1')),
          other.onStepStart({ id, step: 'p2' }, stepTaskId(id, 'p2')),
        ]);
        await Promise.all([
          engine.onStepSuccess({ id, step: 'p1' }, 1),
          other.onStepSuccess({ id, step: 'p2' }, 2),
        ]);
        const events = await engine.events(id);
        const released = events.filter(
          ({ event }) =>
            event.kind === 'step' && event.step === 'child' && event.state === 'queued',
        );
        expect(released).toHaveLength(1);
        const child = await idleQueue.getJob(stepTaskId(id, 'child'));
        expect(child?.data.input).toEqual({});
        await idleQueue.obliterate({ force: true });
      }
    } finally {
      await otherRedis.quit();
    }
  });

  it('cancels a step waiting between attempts (no worker holds it), then settles and expires', async () => {
    const id = await engine.create(idleSpec(), 'tenant-a');
    // a started once and its task is back in the queue (as during a retry's backoff).
    expect(await engine.onStepStart({ id, step: 'a' }, stepTaskId(id, 'a'))).toBe('run');

    expect(await engine.cancel(id)).toBe('cancelled');
    const view = await engine.get(id);
    expect(view?.state).toBe('cancelled');
    expect(view?.finishedAt).toEqual(expect.any(String));
    expect(view?.steps.map((step) => [step.id, step.state, step.error?.message])).toEqual([
      ['a', 'cancelled', 'cancelled between attempts'],
      ['b', 'cancelled', undefined],
    ]);
    expect(await idleJobIds(id)).toEqual([]);
    // Delivered anyway (a worker had fetched it): it does not run.
    expect(await engine.onStepStart({ id, step: 'a' }, stepTaskId(id, 'a'))).toBe('stop');
    const events = await engine.events(id);
    expect(events.at(-1)?.event).toMatchObject({
      kind: 'workflow',
      state: 'cancelled',
      final: true,
    });
    expect(await redis.ttl(workflowKeys(prefix, id).meta)).toBeGreaterThan(0);
  });

  it('cancels a running workflow: the running step is aborted and pending steps end cancelled', async () => {
    const id = crypto.randomUUID();
    const started = new Promise<void>((resolve) => {
      const onActive = (job: Job<TaskJobData>) => {
        if (job.id !== stepTaskId(id, 'hang')) return;
        worker.off('active', onActive);
        resolve();
      };
      worker.on('active', onActive);
    });
    const ended = new Promise<void>((resolve) => finished.set(id, resolve));
    const spec = WorkflowSpecSchema.parse({
      steps: [echo('hang', [], { hang: true }), echo('next', ['hang'])],
    });
    await engine.create(spec, 'tenant-a', id);
    await started;

    expect(await engine.cancel(id)).toBe('cancelled');
    expect(await engine.cancel(id)).toBe('not-running');
    await ended;
    const view = await engine.get(id);
    expect(view?.state).toBe('cancelled');
    expect(states(view as WorkflowView)).toEqual({ hang: 'cancelled', next: 'cancelled' });
  });
});
