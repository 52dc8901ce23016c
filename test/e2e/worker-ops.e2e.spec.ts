import { randomUUID } from 'node:crypto';
import { TaskSpecSchema } from '@agentq/contracts';
import {
  createRedis,
  createTaskQueue,
  requestCancel,
  taskJobOptions,
  toTaskView,
} from '@agentq/queue';
import { AppProcess, TEST_REDIS, type LogLine } from '../helpers/app-process.js';
import { freePort } from '../helpers/ports.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis-keys.js';

const prefix = uniquePrefix('worker-ops');
const redis = createRedis(TEST_REDIS, 'worker', 'e2e-worker-ops');
const queue = createTaskQueue('default', { connection: redis, prefix });
let worker: AppProcess;
let base: string;

beforeAll(async () => {
  const port = await freePort();
  worker = AppProcess.app('worker', {
    AGENTQ_PREFIX: prefix,
    AGENTQ_WORKER_HTTP_PORT: String(port),
    AGENTQ_WORKER_HTTP_HOST: '127.0.0.1',
    AGENTQ_WORKER_ISOLATED_AGENTS: 'echo',
  });
  await worker.waitForMessage('ready');
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await worker.stop('SIGKILL');
  await queue.close();
  await deletePrefix(prefix);
  await redis.quit();
});

const about = (msg: string, taskId: string) => (line: LogLine) =>
  line.msg === msg && line.taskId === taskId;

describe('worker operations', () => {
  it('cancels a running task where it runs; the task ends cancelled', async () => {
    const spec = TaskSpecSchema.parse({ agent: 'sim', input: { latencyMs: 60_000 } });
    const id = randomUUID();
    await queue.add(
      'sim',
      { v: 1, agent: 'sim', input: spec.input, tenant: 't' },
      taskJobOptions(spec, id),
    );
    await worker.waitFor(about('agent started', id), 'the agent to start');

    await requestCancel(redis, prefix, id);
    await worker.waitFor(about('task settled', id), 'the cancel');
    const job = await queue.getJob(id);
    if (!job) throw new Error('task gone');
    expect(toTaskView(job, await job.getState(), 'default')).toMatchObject({
      state: 'cancelled',
      attemptsMade: 1,
      error: { code: 'CANCELLED', message: 'task cancelled' },
    });
  });

  it('runs an isolated agent in a thread started from the build', async () => {
    const id = randomUUID();
    const input = { say: 'from a thread' };
    await queue.add('echo', { v: 1, agent: 'echo', input, tenant: 't' }, { jobId: id });
    expect(await worker.waitFor(about('agent started', id), 'the agent to start')).toMatchObject({
      isolated: true,
    });
    await worker.waitFor(about('task completed', id), 'the result');
    const job = await queue.getJob(id);
    if (!job) throw new Error('task gone');
    expect(toTaskView(job, await job.getState(), 'default')).toMatchObject({
      state: 'completed',
      result: input,
    });
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('agentq_worker_tasks_started_total{pool="default",agent="sim"} 1');
    expect(metrics).toContain('agentq_worker_tasks_failed_total{pool="default",agent="sim"} 1');
    expect(metrics).toContain('agentq_worker_concurrency_limit{pool="default"} 10');
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await worker.stop('SIGTERM')).toBe(0);
  });
});
