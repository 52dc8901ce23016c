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

  readonly desired = new Gauge({
    name: 'agentq_scaler_desired_replicas',
    help: 'Workers the scaler wants for the pool.',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });

  readonly current = new Gauge({
    name: 'agentq_scaler_current_replicas',
    help: 'Workers the actuator reports for the pool.',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });

  readonly backlog = new Gauge({
    name: 'agentq_scaler_backlog_tasks',
    help: 'Tasks waiting to run: waiting + prioritized + delayed already due + waiting-children.',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });

  readonly oldestWait = new Gauge({
    name: 'agentq_scaler_oldest_wait_seconds',
    help: 'How long the head-of-line waiting task has waited.',
    labelNames: ['pool'] as const,
    registers: [this.registry],
  });

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
}
