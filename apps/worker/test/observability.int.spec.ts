import { EventLoopMonitor } from '../src/event-loop-monitor.js';
import { HealthServer } from '../src/health-server.js';
import { WorkerMetrics } from '../src/metrics.js';
import { testPool } from './pool-fixture.js';
import { LogCapture } from './log-capture.js';

const metrics = new WorkerMetrics();
const logs = new LogCapture();
const pool = testPool('obs', { metrics, logger: logs.logger });
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
});
