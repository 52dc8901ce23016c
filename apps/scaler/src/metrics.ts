import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The scaler's metrics, in a Registry of its own (nothing global). */
export class ScalerMetrics {
  readonly registry = new Registry();

  readonly redisUp = new Gauge({
    name: 'agentq_redis_up',
    help: "1 while this process's Redis connection is ready, else 0.",
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'agentq_scaler_decisions_total',
    help: 'Scaling decisions, by pool, direction (up, down, none) and main reason.',
    labelNames: ['pool', 'direction', 'reason'] as const,
    registers: [this.registry],
  });

  readonly desired = this.poolGauge(
    'agentq_scaler_desired_replicas',
    'Workers the scaler wants for the pool.',
  );

  readonly current = this.poolGauge(
    'agentq_scaler_current_replicas',
    'Workers the actuator reports for the pool.',
  );

  readonly liveWorkers = this.poolGauge(
    'agentq_scaler_live_workers',
    "Workers connected to the pool's queue now, as Redis sees them (whoever started them).",
  );

  readonly liveSlots = this.poolGauge(
    'agentq_scaler_live_slots',
    'Task slots those workers give the pool (their concurrency there).',
  );

  readonly backlog = this.poolGauge(
    'agentq_scaler_backlog_tasks',
    'Tasks waiting to run: waiting + prioritized + delayed already due + waiting-children.',
  );

  readonly oldestWait = this.poolGauge(
    'agentq_scaler_oldest_wait_seconds',
    'How long the head-of-line waiting task has waited.',
  );

  readonly objectiveMiss = this.poolGauge(
    'agentq_scaler_objective_miss_seconds',
    'Seconds the oldest waiting task is past the latency objective (AGENTQ_SCALER_MAX_WAIT_S); 0 when met.',
  );

  readonly observation = new Histogram({
    name: 'agentq_scaler_observation_duration_seconds',
    help: 'Time to read one pool from Redis.',
    labelNames: ['pool'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly leader = new Gauge({
    name: 'agentq_scaler_leader',
    help: '1 while this scaler holds the leader lease and acts, else 0.',
    registers: [this.registry],
  });

  readonly pins = new Counter({
    name: 'agentq_scaler_pins_total',
    help: 'Pins set and cleared over the control API, by pool and action (set, clear).',
    labelNames: ['pool', 'action'] as const,
    registers: [this.registry],
  });

  readonly activePins = new Gauge({
    name: 'agentq_scaler_active_pins',
    help: 'Pools the leader found pinned at its last tick.',
    registers: [this.registry],
  });

  readonly workerCrashes = this.poolCounter(
    'agentq_scaler_worker_crashes_total',
    'Local workers that exited without being asked to, by pool.',
  );

  readonly workerRestarts = this.poolCounter(
    'agentq_scaler_worker_restarts_total',
    'Local workers started again after a crash, by pool.',
  );

  readonly saturated = this.poolGauge(
    'agentq_scaler_saturated',
    '1 while the pool runs at its most workers and still has a backlog, else 0.',
  );

  readonly leadershipChanges = new Counter({
    name: 'agentq_scaler_leadership_changes_total',
    help: 'Times this scaler gained or lost the leader lease, by change (acquired, lost).',
    labelNames: ['change'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'agentq_scaler_' });
  }

  /** Forgets every pool's gauge values (a standby publishes none). */
  resetPoolGauges(): void {
    for (const gauge of [
      this.desired,
      this.current,
      this.liveWorkers,
      this.liveSlots,
      this.backlog,
      this.oldestWait,
      this.saturated,
      this.objectiveMiss,
    ]) {
      gauge.reset();
    }
    this.activePins.reset();
  }

  private poolGauge(name: string, help: string): Gauge<'pool'> {
    return new Gauge({ name, help, labelNames: ['pool'] as const, registers: [this.registry] });
  }

  private poolCounter(name: string, help: string): Counter<'pool'> {
    return new Counter({ name, help, labelNames: ['pool'] as const, registers: [this.registry] });
  }
}
