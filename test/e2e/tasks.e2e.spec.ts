import type { PoolHistoryView } from '@agentq/contracts';
import { AppProcess } from '../helpers/app-process.js';
import { http } from '../helpers/http.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';

const prefix = uniquePrefix('tasks');
let gateway: AppProcess;
let baseUrl: string;
const running: AppProcess[] = [];

function startWorker(concurrency: number): AppProcess {
  const worker = AppProcess.app('worker', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_CONCURRENCY: String(concurrency),
  });
  running.push(worker);
  return worker;
}

type HistoryTotals = Record<'started' | 'completed' | 'failed' | 'retried', number> & {
  withLatency: number;
};

/** The default pool's counts over the last five minutes of its history. */
async function historyTotals(): Promise<HistoryTotals> {
  const answer = await http('GET', `${baseUrl}/v1/pools/history?minutes=5`);
  expect(answer.status).toBe(200);
  const pool = (answer.body as PoolHistoryView).pools.find((p) => p.pool === 'default');
  const minutes = pool?.minutes ?? [];
  const sum = (field: 'started' | 'completed' | 'failed' | 'retried') =>
    minutes.reduce((total, minute) => total + minute[field], 0);
  return {
    started: sum('started'),
    completed: sum('completed'),
    failed: sum('failed'),
    retried: sum('retried'),
    withLatency: minutes.filter((minute) => minute.startLatencyMs.p50 !== null).length,
  };
}

/** The totals once `done` holds: workers write their counts once a second. */
async function historyUntil(done: (totals: HistoryTotals) => boolean): Promise<HistoryTotals> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const totals = await historyTotals();
    if (done(totals) || Date.now() > deadline) return totals;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const completedIds = (worker: AppProcess) =>
  worker.lines.filter((line) => line.msg === 'task completed').map((line) => String(line.taskId));

beforeAll(async () => {
  gateway = AppProcess.app('gateway', {
    AGENTQ_PREFIX: prefix,
    PORT: '0',
    AGENTQ_GATEWAY_HOST: '127.0.0.1',
  });
  running.push(gateway);
  baseUrl = String((await gateway.waitForMessage('ready')).url);
});

afterAll(async () => {
  const codes = await Promise.all(running.map((app) => app.stop()));
  await deletePrefix(prefix);
  // Every app shuts down cleanly on SIGTERM.
  expect(codes.every((code) => code === 0)).toBe(true);
});

describe('one task end to end', () => {
  it('runs tasks in priority order, FIFO within a level, on one worker at concurrency 1', async () => {
    // Submitted while no worker runs, interleaved so arrival order alone would be wrong.
    const levels = ['low', 'normal', 'high', 'critical'] as const;
    const submitted: { id: string; level: (typeof levels)[number] }[] = [];
    for (let round = 0; round < 3; round++) {
      for (const level of levels) {
        const answer = await http('POST', `${baseUrl}/v1/tasks`, {
          agent: 'sim',
          priority: level,
          input: { output: `${level}-${round}` },
        });
        expect(answer.status).toBe(201);
        submitted.push({ id: answer.body.id, level });
      }
    }
    const worker = startWorker(1);
    const last = submitted.filter((task) => task.level === 'low').at(-1)?.id;
    await worker.waitFor(
      (line) => line.msg === 'task completed' && line.taskId === last,
      'the last task',
    );

    const expected = [...levels]
      .reverse()
      .flatMap((level) => submitted.filter((task) => task.level === level).map((task) => task.id));
    expect(completedIds(worker)).toEqual(expected);
  });

  it('returns the result of an echo task and of a sim task', async () => {
    const echo = await http('POST', `${baseUrl}/v1/tasks`, {
      agent: 'echo',
      input: { hello: 'world' },
    });
    const sim = await http('POST', `${baseUrl}/v1/tasks`, {
      agent: 'sim',
      input: { latencyMs: 20, steps: 2, output: 'done' },
    });
    expect([echo.status, sim.status]).toEqual([201, 201]);
    const worker = running.find((app) => app.name === 'worker') ?? startWorker(1);
    for (const id of [echo.body.id, sim.body.id]) {
      await worker.waitFor(
        (line) => line.msg === 'task completed' && line.taskId === id,
        `task ${id}`,
      );
    }

    const echoView = await http('GET', `${baseUrl}/v1/tasks/${echo.body.id}`);
    expect(echoView.status).toBe(200);
    expect(echoView.body).toMatchObject({
      state: 'completed',
      agent: 'echo',
      result: { hello: 'world' },
    });
    const simView = await http('GET', `${baseUrl}/v1/tasks/${sim.body.id}`);
    expect(simView.body).toMatchObject({
      state: 'completed',
      progress: 100,
      result: { latencyMs: 20, attempt: 1, output: 'done' },
      attemptsMade: 1,
    });
    expect(Date.parse(simView.body.finishedAt)).toBeGreaterThanOrEqual(
      Date.parse(simView.body.startedAt),
    );
  });

  it("counts the pool's starts, completions, retries and failures per minute", async () => {
    // The 14 tasks of the tests before, once the worker has written its counts (every second).
    const before = await historyUntil((totals) => totals.completed === 14);
    expect(before.started).toBe(14);
    expect(before.withLatency).toBeGreaterThan(0);
    const failing = await http('POST', `${baseUrl}/v1/tasks`, {
      agent: 'sim',
      input: { failProbability: 1 },
      attempts: 2,
      backoff: { type: 'fixed', delayMs: 100 },
    });
    expect(failing.status).toBe(201);
    const after = await historyUntil((totals) => totals.failed > 0);
    expect(after).toMatchObject({ started: 16, completed: 14, retried: 1, failed: 1 });
    // Each of its attempts, with the worker that ran it, from its dead letter.
    const attempts = await http('GET', `${baseUrl}/v1/tasks/${failing.body.id}/attempts`);
    expect(attempts.body.attempts).toEqual([
      expect.objectContaining({ attempt: 1, code: 'TRANSIENT', worker: expect.any(String) }),
      expect.objectContaining({ attempt: 2, code: 'TRANSIENT', worker: expect.any(String) }),
    ]);
    // And the tenant's tasks by how they ended, over two hours (an admin view: TEST_KEY has admin).
    const tenants = await http('GET', `${baseUrl}/v1/tenants?hours=2`);
    expect(tenants.body.tenants).toEqual([
      expect.objectContaining({ completed: 14, failed: 1, cancelled: 0, llmCalls: 0 }),
    ]);
  });

  it('answers a bad spec with 400 naming the field', async () => {
    const answer = await http('POST', `${baseUrl}/v1/tasks`, { agent: 'echo', priority: 'asap' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(answer.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.priority',
    ]);
  });

  it('answers an unknown task id with 404', async () => {
    const answer = await http('GET', `${baseUrl}/v1/tasks/does-not-exist`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('NOT_FOUND');
  });
});
