import { z } from 'zod';
import { PoolNameSchema, type PoolName } from './pool.js';

/**
 * The scaler's API, as the scaler serves it and the gateway forwards it under `/v1/scaler`
 * (for the console and the CLI): its status, its decisions and the pins an operator sets.
 */

/**
 * The constraint that decided a number of workers; a bounded set (it labels a metric).
 * `takeover` is a new leader restoring the pool its predecessor last published.
 */
export type ScalerDecisionReason =
  | 'pinned'
  | 'takeover'
  | 'step-limit'
  | 'readiness'
  | 'idle'
  | 'utilization'
  | 'arrivals'
  | 'forecast'
  | 'backlog'
  | 'latency'
  | 'wake'
  | 'min'
  | 'schedule'
  | 'max'
  | 'budget'
  | 'failure-storm'
  | 'cooldown'
  | 'stabilization';

export type ScalerDirection = 'up' | 'down' | 'none';

/** One decision of the control loop: the number, the constraint behind it, and why. */
export interface ScalerDecision {
  current: number;
  desired: number;
  direction: ScalerDirection;
  reason: ScalerDecisionReason;
  /** Human-readable explanation of every step that shaped the number. */
  rationale: string;
  /** Seconds the oldest waiting task is past the latency objective (0: objective met). */
  objectiveMissSeconds: number;
  /** The numbers the decision was made from. */
  inputs: {
    backlog: number;
    active: number;
    oldestWaitS: number;
    arrivalRate: number;
    forecastRate: number;
    failureRate: number;
    taskS: number;
    perReplicaRate: number;
    minReplicas: number;
    maxReplicas: number;
    pinned: number | undefined;
    recommendation: number;
  };
}

/** A decision as the scaler records it. */
export interface ScalerDecisionRecord extends ScalerDecision {
  /** When it was decided (ISO 8601). */
  at: string;
  pool: PoolName;
  /** The leader's lease token when it decided: a newer leader's is larger. */
  fencingToken: number | undefined;
}

/** A worker process the scaler runs (local actuator). */
export interface ScalerWorkerView {
  pid: number | undefined;
  /** BullMQ worker name (`processedBy` of its tasks). */
  name: string;
  state: 'starting' | 'ready' | 'stopping';
  /** Tasks running, from BullMQ's active list; undefined when that cannot be told. */
  running: number | undefined;
}

/** What the scaler last read of a pool: counts, ages and smoothed rates. */
export interface ScalerObservationView {
  at: number;
  /** waiting + prioritized + delayed-already-due + waiting-children. */
  backlog: number;
  /** Delayed tasks still in the future (not counted in the backlog). */
  delayedLater: number;
  active: number;
  /** How long the head-of-line waiting task has waited (s); 0 when nothing waits. */
  oldestWaitS: number;
  /** Tasks arriving per second (smoothed). */
  arrivalRate: number;
  /** Tasks completing per second (smoothed). */
  completionRate: number;
  /**
   * Fraction of finishing tasks that fail for good for a reason the client did not cause,
   * i.e. not bad input or a cancel (smoothed, 0..1): the failure-storm signal.
   */
  failureRate: number;
  /** Run time of recent completed tasks (s), undefined before any was seen. */
  durationP50S: number | undefined;
  durationP95S: number | undefined;
  durationMeanS: number | undefined;
  /** Live BullMQ workers and their task slots (as their names tell, else the configured concurrency). */
  workers: number;
  slots: number;
}

export interface ScalerPoolView {
  current: number;
  desired: number;
  pinned: number | undefined;
  observation: ScalerObservationView | undefined;
  workers?: ScalerWorkerView[];
}

/** `GET /status` (`GET /v1/scaler/status` through the gateway). */
export interface ScalerStatusView {
  /** Whether the answering scaler instance leads (a standby answers too). */
  leader: boolean;
  /** The latency objective: the longest a task should wait to start (seconds). */
  objectiveSeconds: number;
  pools: Record<string, ScalerPoolView>;
  /** The latest decisions of every pool, newest first. */
  decisions: ScalerDecisionRecord[];
}

/** `GET /decisions` (`GET /v1/scaler/decisions`): decisions that changed a count, newest first. */
export interface ScalerDecisionsPage {
  decisions: ScalerDecisionRecord[];
  /** The `before` of the next (older) page; null: nothing older. */
  next: string | null;
}

/** A page of decisions: a stream entry id (`<ms>-<seq>`) from the previous page's `next`. */
export const SCALER_DECISIONS_CURSOR = /^\d{1,20}-\d{1,20}$/;
/** The longest page of decisions. */
export const SCALER_DECISIONS_MAX_PAGE = 500;

/** `GET /decisions` (`GET /v1/scaler/decisions`). */
export const ScalerDecisionsQuerySchema = z.strictObject({
  pool: PoolNameSchema.optional(),
  before: z
    .string()
    .regex(SCALER_DECISIONS_CURSOR, 'a cursor from a previous page (next)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(SCALER_DECISIONS_MAX_PAGE).default(50),
});
export type ScalerDecisionsQuery = z.infer<typeof ScalerDecisionsQuerySchema>;

/** A pin: this many workers, whatever the policy decides, for `ttlSeconds` (a default). */
export const ScalerPinBodySchema = z.strictObject({
  replicas: z.number().int().min(0),
  ttlSeconds: z.number().int().min(1).optional(),
});
export type ScalerPinBody = z.infer<typeof ScalerPinBodySchema>;

/** `POST /scale` on the scaler; `PUT /v1/scaler/pins/:pool` with the rest as its body. */
export const ScalerPinSchema = ScalerPinBodySchema.extend({ pool: PoolNameSchema });
export type ScalerPin = z.infer<typeof ScalerPinSchema>;

/** What a pin or an unpin answers. */
export interface ScalerPinView {
  pool: PoolName;
  replicas?: number;
  ttlSeconds?: number;
  /** false once unpinned. */
  pinned?: boolean;
}
