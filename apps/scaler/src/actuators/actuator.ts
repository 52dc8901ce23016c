import type { PoolName } from '@agentq/contracts';

/** Which actuator applies decisions (AGENTQ_SCALER_ACTUATOR). */
export type ActuatorKind = 'local' | 'kubernetes' | 'keda' | 'none';

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
  /** Of the pool's workers, those ready to take tasks, when the actuator can tell (local). */
  readyReplicas?(pool: PoolName): Promise<number>;
  /** What the actuator knows of each worker (local: pid, name, state, running tasks), for /status. */
  describe?(pool: PoolName): Promise<WorkerInfo[]>;
  /** Stops acting; the local actuator drains and stops its workers. */
  close(): Promise<void>;
}

export interface WorkerInfo {
  pid: number | undefined;
  /** BullMQ worker name (`processedBy` of its tasks). */
  name: string;
  state: 'starting' | 'ready' | 'stopping';
  /** Tasks running, from BullMQ's active list; undefined when that cannot be told. */
  running: number | undefined;
}

/**
 * Tasks running per BullMQ worker name, read from the queue's active tasks
 * (observe.ts readBusyWorkers); undefined when some running task names no worker, so
 * who is idle is unknown. A name absent from the map runs nothing.
 */
export type BusyWorkers = (pool: PoolName) => Promise<Map<string, number> | undefined>;
