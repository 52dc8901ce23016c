import type { PoolName } from '@agentq/contracts';

/** Which actuator applies decisions (AGENTQ_SCALER_ACTUATOR). */
export type ActuatorKind = 'local' | 'kubernetes' | 'none';

/**
 * Applies replica counts, like trigger.dev's WorkloadManager: the control loop says how
 * many workers a pool should have; the actuator makes it so and reports what runs.
 */
export interface Actuator {
  readonly kind: ActuatorKind;
  start(): Promise<void>;
  /** Asks for `replicas` workers in the pool; returns once the change is under way. */
  setReplicas(pool: PoolName, replicas: number): Promise<void>;
  /** Workers the pool has now (starting and running, not those shutting down). */
  currentReplicas(pool: PoolName): Promise<number>;
  /** What the actuator knows of each worker (local: pid, state, running tasks), for /status. */
  describe?(pool: PoolName): WorkerInfo[];
  /** Stops acting; the local actuator drains and stops its workers. */
  close(): Promise<void>;
}

export interface WorkerInfo {
  pid: number | undefined;
  state: 'starting' | 'ready' | 'stopping';
  /** Tasks running, from the worker's own log lines. */
  running: number;
}
