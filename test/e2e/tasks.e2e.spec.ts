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
