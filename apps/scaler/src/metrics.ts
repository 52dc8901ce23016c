import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The scaler's metrics, in a Registry of its own (nothing global). */
export class ScalerMetrics {
  readonly registry = new Registry();

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'agentq_scaler_' });
  }

  /** Forgets every pool's gauge values (a standby publishes none). */
  resetPoolGauges(): void {
    for (const gauge of [
      this.desired,
      this.current,
      this.backlog,
      this.oldestWait,
      this.objectiveMiss,
    ])
      gauge.reset();
  }

  private poolGauge(name: string, help: string): Gauge<'pool'> {
    return new Gauge({ name, help, labelNames: ['pool'] as const, registers: [this.registry] });
  }
}
