import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from '@agentq/agents';
import { TaskSpecSchema } from '@agentq/contracts';
import { taskJobOptions } from '@agentq/queue';
import { EventLoopMonitor } from '../src/event-loop-monitor.js';
import { HealthServer } from '../src/health-server.js';
import { WorkerMetrics } from '../src/metrics.js';
import { testAgent, testPool } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

/** Fails its first attempt with a transient error, then succeeds. */
const failsOnce = testAgent('test.fails-once', (_input, ctx) =>
  ctx.attempt === 1 ? Promise.reject(new TransientError('down once')) : Promise.resolve('up'),
);

const metrics = new WorkerMetrics();
const logs = new LogCapture();
const pool = testPool('obs', { metrics, logger: logs.logger, agents: [failsOnce] });
const { connection, queue, events } = pool;
const http = new HealthServer({
  port: 0,
  host: '127.0.0.1',
  registry: metrics.registry,
  isReady: () => connection.status === 'ready' && pool.worker.isRunning(),
});
let base = '';

beforeAll(async () => {
  await pool.start();
  base = `http://127.0.0.1:${await http.start()}`;
});
afterAll(async () => {
  await http.close();
  await pool.stop();
});

describe(HealthServer.name, () => {
  it('answers health and readiness', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('serves task counters, durations and the concurrency limit', async () => {
    const job = await queue.add('echo', { v: 1, agent: 'echo', input: 1, tenant: 't' });
    await job.waitUntilFinished(events);
    await logs.waitFor('task completed', { taskId: job.id });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('agentq_worker_tasks_started_total{pool="default",agent="echo"} 1');
    expect(text).toContain('agentq_worker_tasks_completed_total{pool="default",agent="echo"} 1');
    expect(text).toContain(
      'agentq_worker_task_duration_seconds_count{pool="default",agent="echo"} 1',
    );
    expect(text).toContain('agentq_worker_task_queue_wait_seconds_count{pool="default"} 1');
    expect(text).toContain('agentq_worker_active_tasks{pool="default"} 0');
    expect(text).toContain('agentq_worker_concurrency_limit{pool="default"} 4');
  });

  it('counts a failed attempt that will be retried for its pool and agent', async () => {
    const spec = TaskSpecSchema.parse({ agent: 'test.fails-once', attempts: 2 });
    const data = { v: 1 as const, agent: spec.agent, input: spec.input, tenant: 't' };
    const job = await queue.add(spec.agent, data, taskJobOptions(spec, randomUUID()));
    await job.waitUntilFinished(events);
    await logs.waitFor('task completed', { taskId: job.id });
    const text = await (await fetch(`${base}/metrics`)).text();
    const labels = '{pool="default",agent="test.fails-once"}';
    expect(text).toContain(`agentq_worker_tasks_retried_total${labels} 1`);
    expect(text).toContain(`agentq_worker_tasks_started_total${labels} 2`);
    expect(text).toContain(`agentq_worker_tasks_completed_total${labels} 1`);
    expect(text).not.toContain(`agentq_worker_tasks_failed_total${labels}`);
  });

  it('names the worker so queue.getWorkers() shows it', async () => {
    // BullMQ names the client `<prefix>:<queue>:w:<worker name>`.
    const names = (await queue.getWorkers()).map((info) => info.rawname);
    expect(names).toContainEqual(expect.stringMatching(new RegExp(`:w:test:${process.pid}$`)));
  });
});

describe(EventLoopMonitor.name, () => {
  it('logs and counts a stall with the tasks in flight', async () => {
    const monitorLogs = new LogCapture();
    const monitor = new EventLoopMonitor({
      warnMs: 150,
      lockDurationMs: 1000,
      tasksInFlight: () => ['task-a'],
      metrics,
      logger: monitorLogs.logger,
    });
    monitor.start();
    try {
      const stalled = monitorLogs.waitFor('event loop stalled');
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // block the event loop on purpose
      }
      expect(await stalled).toMatchObject({ taskIds: ['task-a'], lockDurationMs: 1000 });
      expect(await metrics.eventLoopStalls.get()).toMatchObject({ values: [{ value: 1 }] });
    } finally {
      monitor.close();
    }
  });

  it('sets the lag gauge to the worst delay of its window, a forced block included', async () => {
    const lagMetrics = new WorkerMetrics();
    const monitor = new EventLoopMonitor({
      warnMs: 10_000,
      lockDurationMs: 60_000,
      tasksInFlight: () => [],
      metrics: lagMetrics,
      logger: new LogCapture().logger,
    });
    const lag = async () => (await lagMetrics.eventLoopLag.get()).values[0]?.value ?? 0;
    monitor.start();
    try {
      expect(await lag()).toBe(0);
      // The delay histogram's first tick only sets its baseline, so a block right after the
      // start is not measured: block, let that late tick run (it is due before a zero-delay
      // timer), then block again.
      blockEventLoop(300);
      await sleep(0);
      blockEventLoop(300);
      // The gauge is set when the monitor's 5 s window ends.
      while ((await lag()) === 0) await sleep(100);
      const seconds = await lag();
      expect(seconds).toBeGreaterThan(0.2);
      const text = await lagMetrics.registry.metrics();
      expect(text).toContain(`agentq_worker_event_loop_lag_seconds ${seconds}`);
    } finally {
      monitor.close();
    }
  });
});

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // block the event loop on purpose
  }
}
