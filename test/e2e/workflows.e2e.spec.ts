import { createRedis, createTaskQueue, WorkflowEngine } from '@agentq/queue';
import { AppProcess, TEST_REDIS } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';

// Short locks keep the takeover after a SIGKILL within a few seconds.
const FAST_LOCKS = {
  AGENTQ_WORKER_LOCK_DURATION_MS: '2000',
  AGENTQ_WORKER_STALLED_INTERVAL_MS: '1000',
};

const prefix = uniquePrefix('workflows');
const redis = createRedis(TEST_REDIS, 'worker', 'e2e-workflows');
const queue = createTaskQueue('default', { connection: redis, prefix });
/** Reads the workflows' event streams (what SSE serves) to count transitions. */
const engine = new WorkflowEngine({ redis, prefix, queueFor: () => queue });
const running: AppProcess[] = [];
let baseUrl: string;

function startWorker(concurrency = 20): AppProcess {
  const worker = AppProcess.app('worker', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_CONCURRENCY: String(concurrency),
    ...FAST_LOCKS,
  });
  running.push(worker);
  return worker;
}

type Step = { id: string; dependsOn?: string[]; input?: unknown; attempts?: number };
const sim = (id: string, dependsOn: string[] = [], input: unknown = {}): Step => ({
  id,
  dependsOn,
  input,
});

async function submit(steps: Step[], onFailure: 'fail-fast' | 'continue' = 'fail-fast') {
  const answer = await http('POST', `${baseUrl}/v1/workflows`, {
    onFailure,
    steps: steps.map((step) => ({ agent: 'sim', ...step })),
  });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

type View = {
  state: string;
  finishedAt: string | null;
  steps: { id: string; state: string; attempts: number; output: unknown }[];
};

/** The workflow once settled (every step ended); `?wait=` holds at most 60 s, so ask again. */
async function settled(id: string): Promise<View> {
  for (let round = 0; round < 3; round++) {
    const answer = await http('GET', `${baseUrl}/v1/workflows/${id}?wait=60`);
    expect(answer.status).toBe(200);
    if ((answer.body as View).finishedAt !== null) return answer.body as View;
  }
  throw new Error(`workflow ${id} did not settle`);
}

const stateOf = (view: View) => Object.fromEntries(view.steps.map((step) => [step.id, step.state]));

/** How many times each step was recorded completed, from the workflow's event stream. */
async function completions(id: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const { event } of await engine.events(id)) {
    if (event.kind === 'step' && event.state === 'completed') {
      counts.set(event.step, (counts.get(event.step) ?? 0) + 1);
    }
  }
  return counts;
}

beforeAll(async () => {
  const gateway = AppProcess.app('gateway', {
    AGENTQ_PREFIX: prefix,
    PORT: '0',
    AGENTQ_GATEWAY_HOST: '127.0.0.1',
  });
  running.push(gateway);
  baseUrl = String((await gateway.waitForMessage('ready')).url);
});

afterAll(async () => {
  await Promise.all(running.map((app) => app.stop('SIGKILL')));
  await queue.close();
  await deletePrefix(prefix);
  await redis.quit();
});

describe('workflows end to end', () => {
  let workers: AppProcess[];

  beforeAll(async () => {
    workers = [startWorker(), startWorker()];
    await Promise.all(workers.map((worker) => worker.waitForMessage('ready')));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
  });

  it('runs a diamond across two workers, passing outputs by $ref', async () => {
    const id = await submit([
      sim('plan', [], { output: { tasks: ['x', 'y'] } }),
      sim('left', ['plan'], { output: { $ref: 'steps.plan.output.output.tasks' } }),
      sim('right', ['plan'], { output: 'R' }),
      sim('merge', ['left', 'right'], {
        output: [{ $ref: 'steps.left.output.output' }, { $ref: 'steps.right.output.output' }],
      }),
    ]);
    const view = await settled(id);
    expect(view.state).toBe('completed');
    expect(view.steps.find((step) => step.id === 'merge')?.output).toMatchObject({
      output: [['x', 'y'], 'R'],
    });
  });

  it('fans out to 100 steps and back into one step with 100 dependencies', async () => {
    const middles = Array.from({ length: 100 }, (_, i) => sim(`m${i}`, ['root'], { output: i }));
    const id = await submit([
      sim('root'),
      ...middles,
      sim(
        'join',
        middles.map((step) => step.id),
        { output: middles.map((step) => ({ $ref: `steps.${step.id}.output.output` })) },
      ),
    ]);
    const view = await settled(id);
    expect(view.state).toBe('completed');
    expect(view.steps.find((step) => step.id === 'join')?.output).toMatchObject({
      output: Array.from({ length: 100 }, (_, i) => i),
    });
    // attempts counts the starts of the step's task: the join started once.
    expect(view.steps.find((step) => step.id === 'join')?.attempts).toBe(1);
  });

  it('starts a child once when its two parents complete at once on two workers, 40 times', async () => {
    const ids = await Promise.all(
      Array.from({ length: 40 }, () => submit([sim('p1'), sim('p2'), sim('child', ['p1', 'p2'])])),
    );
    for (const id of ids) {
      const view = await settled(id);
      expect(view.state).toBe('completed');
      expect(view.steps.find((step) => step.id === 'child')?.attempts).toBe(1);
      expect((await completions(id)).get('child')).toBe(1);
    }
  });

  it('fail-fast: retries a step first, then aborts running steps and cancels pending ones', async () => {
    const id = await submit([
      { ...sim('bad', [], { failProbability: 1 }), attempts: 2 },
      sim('slow', [], { latencyMs: 60_000 }),
      sim('after-bad', ['bad']),
      sim('after-slow', ['slow']),
    ]);
    const view = await settled(id);
    expect(view.state).toBe('failed');
    expect(stateOf(view)).toEqual({
      bad: 'failed',
      slow: 'cancelled',
      'after-bad': 'cancelled',
      'after-slow': 'cancelled',
    });
    expect(view.steps.find((step) => step.id === 'bad')?.attempts).toBe(2);
  });

  it('continue: runs every step whose dependencies succeeded and skips the others', async () => {
    const id = await submit(
      [
        { ...sim('bad', [], { failProbability: 1 }), attempts: 1 },
        sim('good'),
        sim('child', ['bad']),
        sim('grandchild', ['child', 'good']),
        sim('other', ['good']),
      ],
      'continue',
    );
    const view = await settled(id);
    expect(view.state).toBe('failed');
    expect(stateOf(view)).toEqual({
      bad: 'failed',
      good: 'completed',
      child: 'skipped',
      grandchild: 'skipped',
      other: 'completed',
    });
  });

  it('rejects a cycle and a bad reference over HTTP with 400, naming them', async () => {
    const cycle = await http('POST', `${baseUrl}/v1/workflows`, {
      steps: [
        { id: 'a', agent: 'sim', dependsOn: ['b'] },
        { id: 'b', agent: 'sim', dependsOn: ['a'] },
      ],
    });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error.message).toContain('dependency cycle: a -> b -> a');
    const badRef = await http('POST', `${baseUrl}/v1/workflows`, {
      steps: [
        { id: 'a', agent: 'sim' },
        { id: 'b', agent: 'sim', input: { output: { $ref: 'steps.a.output' } } },
      ],
    });
    expect(badRef.status).toBe(400);
    expect(badRef.body.error.message).toContain('$ref to step "a", which is not in dependsOn');
  });
});

describe('a worker killed in the middle of a 50-step workflow', () => {
  it('is taken over by another worker; the workflow completes with each result recorded once', async () => {
    const first = startWorker(5);
    const second = startWorker(5);
    await Promise.all([first.waitForMessage('ready'), second.waitForMessage('ready')]);
    // Ten layers of five steps; each step depends on the whole layer before it.
    const steps: Step[] = [];
    for (let layer = 0; layer < 10; layer++) {
      for (let i = 0; i < 5; i++) {
        const dependsOn = layer === 0 ? [] : [0, 1, 2, 3, 4].map((j) => `s${layer - 1}-${j}`);
        steps.push(sim(`s${layer}-${i}`, dependsOn, { latencyMs: 800, output: `${layer}-${i}` }));
      }
    }
    const id = await submit(steps);
    // Kill one worker mid-way, while it runs a step of the fifth layer.
    await first.waitFor(
      (line) => line.msg === 'task started' && String(line.taskId).startsWith(`wf-${id}-s4-`),
      'the fifth layer to start',
    );
    await first.stop('SIGKILL');
    // The other worker takes over the steps it held.
    await second.waitForMessage('task stalled; taken over');

    const view = await settled(id);
    expect(view.state).toBe('completed');
    for (const step of view.steps) {
      expect(step.state).toBe('completed');
      expect(step.output).toMatchObject({ output: step.id.slice(1) });
    }
    const counts = await completions(id);
    expect(counts.size).toBe(50);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    await second.stop();
  });
});
