import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const taskLabels = ['pool', 'agent'] as const;

/** Buckets from 5 ms to 30 min: tool calls to long agent runs. */
const durationBuckets = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600, 1800];

/** The worker's metrics, on a registry of its own (served at /metrics). */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly started = new Counter({
    name: 'agentq_worker_tasks_started_total',
    help: 'Task attempts started.',
    labelNames: taskLabels,
    registers: [this.registry],
  });
  readonly completed = new Counter({
    name: 'agentq_worker_tasks_completed_total',
    help: 'Tasks completed.',
    labelNames: taskLabels,
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'agentq_worker_tasks_failed_total',
    help: 'Tasks failed for good (dead-lettered unless cancelled).',
    labelNames: taskLabels,
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'agentq_worker_tasks_retried_total',
    help: 'Failed attempts that will be retried.',
    labelNames: taskLabels,
    registers: [this.registry],
  });
  readonly deadLetterErrors = new Counter({
    name: 'agentq_worker_dead_letter_errors_total',
    help: 'Failed tasks that could not be written to the dead-letter list (see the logs).',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'agentq_worker_task_duration_seconds',
    help: 'Time one attempt ran, whatever its outcome.',
    labelNames: taskLabels,
    buckets: durationBuckets,
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: 'agentq_worker_task_queue_wait_seconds',
    help: 'Time from when a task could start (created, or its delay over) to its first attempt.',
    labelNames: ['pool'],
    buckets: durationBuckets,
    registers: [this.registry],
  });
  readonly active = new Gauge({
    name: 'agentq_worker_active_tasks',
    help: 'Tasks running in this process.',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly concurrency = new Gauge({
    name: 'agentq_worker_concurrency_limit',
    help: 'Tasks this process runs at once at most.',
    labelNames: ['pool'],
    registers: [this.registry],
  });
  readonly eventLoopLag = new Gauge({
    name: 'agentq_worker_event_loop_lag_seconds',
    help: 'Largest event-loop delay seen since the last scrape.',
    registers: [this.registry],
  });
  readonly eventLoopStalls = new Counter({
    name: 'agentq_worker_event_loop_stalls_total',
    help: 'Event-loop stalls at least AGENTQ_WORKER_STALL_WARN_MS long (locks at risk).',
    registers: [this.registry],
  });
}
