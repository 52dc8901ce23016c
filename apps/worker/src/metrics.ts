import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The series of one pool and agent that every task touches. */
export interface TaskSeries {
  started: ReturnType<Counter['labels']>;
  completed: ReturnType<Counter['labels']>;
  duration: ReturnType<Histogram['labels']>;
}

const taskLabels = ['pool', 'agent'] as const;

/** Buckets from 5 ms to 30 min: tool calls to long agent runs. */
const durationBuckets = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600, 1800];

/** The worker's metrics, on a registry of its own (served at /metrics). */
export class WorkerMetrics {
  readonly registry = new Registry();

  readonly redisUp = new Gauge({
    name: 'agentq_redis_up',
    help: "1 while this process's Redis connection is ready, else 0.",
    registers: [this.registry],
  });

  readonly started = this.taskCounter('tasks_started_total', 'Task attempts started.');
  readonly completed = this.taskCounter('tasks_completed_total', 'Tasks completed.');
  readonly failed = this.taskCounter(
    'tasks_failed_total',
    'Tasks failed for good (dead-lettered unless cancelled).',
  );
  readonly retried = this.taskCounter(
    'tasks_retried_total',
    'Failed attempts that will be retried.',
  );
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
  /** Per pool, how to count its running tasks (read when scraped, not kept per task). */
  private readonly activeCounters = new Map<string, () => number>();
  readonly active = new Gauge({
    name: 'agentq_worker_active_tasks',
    help: 'Tasks running in this process.',
    labelNames: ['pool'],
    registers: [this.registry],
    collect: () => {
      for (const [pool, count] of this.activeCounters) this.active.set({ pool }, count());
    },
  });
  readonly concurrency = this.poolGauge(
    'concurrency_limit',
    'Tasks this process runs at once at most.',
  );
  readonly eventLoopLag = new Gauge({
    name: 'agentq_worker_event_loop_lag_seconds',
    help: 'Largest event-loop delay in the last 5 s window.',
    registers: [this.registry],
  });
  readonly eventLoopStalls = new Counter({
    name: 'agentq_worker_event_loop_stalls_total',
    help: 'Event-loop stalls at least AGENTQ_WORKER_STALL_WARN_MS long (locks at risk).',
    registers: [this.registry],
  });

  constructor() {
    // Process CPU, memory, heap and event-loop figures, as the gateway and scaler export.
    collectDefaultMetrics({ register: this.registry, prefix: 'agentq_worker_' });
  }

  /** Makes the pool's active-task gauge read `count` at each scrape. */
  countActive(pool: string, count: () => number): void {
    this.activeCounters.set(pool, count);
  }

  private readonly seriesByTask = new Map<string, TaskSeries>();

  /** A pool's and agent's series, found once: prom-client hashes the labels on every call otherwise. */
  taskSeries(pool: string, agent: string): TaskSeries {
    const key = `${pool}\n${agent}`;
    let series = this.seriesByTask.get(key);
    if (!series) {
      series = {
        started: this.started.labels(pool, agent),
        completed: this.completed.labels(pool, agent),
        duration: this.duration.labels(pool, agent),
      };
      this.seriesByTask.set(key, series);
    }
    return series;
  }

  private taskCounter(name: string, help: string) {
    return new Counter({
      name: `agentq_worker_${name}`,
      help,
      labelNames: taskLabels,
      registers: [this.registry],
    });
  }

  private poolGauge(name: string, help: string) {
    return new Gauge({
      name: `agentq_worker_${name}`,
      help,
      labelNames: ['pool'],
      registers: [this.registry],
    });
  }
}
