/**
 * Execution profiles: how a pool's tasks are held and handed over. A pool picks one
 * (AGENTQ_POOL_PROFILES); the AGENTQ_WORKER_* variables override single values for every
 * pool. Lock figures follow docs ANCHORS: takeover after a crash takes about lockDuration
 * + stalledInterval, and an event-loop stall longer than lockDuration loses the lock.
 */
export const PROFILE_NAMES = ['short', 'llm-stream', 'batch'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ExecutionProfile {
  /**
   * A task's lock; a hung or cut-off worker's tasks are taken over after about this long (a
   * dead process's sooner: see dead-worker-watch.ts).
   */
  lockDurationMs: number;
  /** How often expired locks are looked for. */
  stalledIntervalMs: number;
  /** Takeovers allowed before the task fails; 0 never runs a task twice. */
  maxStalledCount: number;
  /** On SIGTERM, running tasks get this long to finish before they are handed back. */
  drainGraceMs: number;
  /** Tasks run at once per process. */
  concurrency: number;
}

/**
 * Workers a task may lose before it counts as one that kills whatever runs it (and is dead-
 * lettered as WORKER_LOST). Ordinary losses are bounded by the task's `attempts`, each
 * lost worker using one; this bound is for the task with many attempts that crashes its
 * worker every time, which would otherwise take down a worker per attempt.
 */
const POISON_BOUND = 5;

export const PROFILES: Record<ProfileName, ExecutionProfile> = {
  /**
   * Seconds-long tasks (tools, small calls): takeover within lock + check (6–8 s) when the
   * worker hangs (about a second when its process dies). A lost worker costs the task one of
   * its attempts; five lost workers mark it as a task that kills its workers. The lock
   * stays well above the event-loop stalls seen under heavy load (about 1 s), and is renewed
   * every 3 s.
   */
  short: {
    lockDurationMs: 6_000,
    stalledIntervalMs: 2_000,
    maxStalledCount: POISON_BOUND,
    drainGraceMs: 30_000,
    concurrency: 10,
  },
  /**
   * Long streaming LLM calls that are mostly waiting on I/O: many at once, a longer lock so
   * a busy event loop does not lose it, more time to finish on shutdown.
   */
  'llm-stream': {
    lockDurationMs: 30_000,
    stalledIntervalMs: 10_000,
    maxStalledCount: POISON_BOUND,
    drainGraceMs: 120_000,
    concurrency: 50,
  },
  /**
   * Expensive or non-idempotent batch work: few at once, never run twice (a crash fails the
   * task with a clear error instead), a long drain.
   */
  batch: {
    lockDurationMs: 60_000,
    stalledIntervalMs: 20_000,
    maxStalledCount: 0,
    drainGraceMs: 300_000,
    concurrency: 2,
  },
};
