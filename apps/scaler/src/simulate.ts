import { decide, emptyHistory, type ScalingPolicy } from './decide.js';
import { ewma } from './forecast.js';

/** Tasks arriving per second at second t. */
export type ArrivalTrace = (t: number) => number;

export interface SimulatedPool {
  /** Seconds one task runs. */
  taskS: number;
  /** Seconds from starting a worker to its first task. */
  startupS: number;
  /** Seconds between two decisions. */
  intervalS: number;
  /** Seconds simulated (arrivals stop at `arrivalsUntilS`, then the pool drains). */
  durationS: number;
  arrivalsUntilS: number;
}

export interface SimulationSummary {
  arrived: number;
  completed: number;
  /** Longest time a task waited before it started (s). */
  maxWaitS: number;
  /** Mean wait before start (s). */
  meanWaitS: number;
  /** Sum of running and starting workers over time, in worker-minutes. */
  replicaMinutes: number;
  /** How many decisions changed the replica count. */
  changes: number;
  /** Changes that reversed the previous one within 10 s (flapping). */
  flaps: number;
  peakReplicas: number;
  finalReplicas: number;
}

/**
 * A discrete-time (1 s) pool: tasks queue FIFO, each ready worker completes
 * `concurrency / taskS` tasks per second, a new worker becomes ready `startupS` after
 * it was asked for, and a removed worker stops at once (its running tasks drain).
 * decide() runs every `intervalS` on an observation built like the real one.
 */
export function simulate(
  trace: ArrivalTrace,
  policy: ScalingPolicy,
  pool: SimulatedPool,
): SimulationSummary {
  const perWorkerRate = policy.concurrency / pool.taskS;
  /** Arrival second -> tasks still queued from it (FIFO, oldest first). */
  const queue: [number, number][] = [];
  let history = emptyHistory;
  let startingReadyAt: number[] = [];
  let ready = policy.minReplicas;
  let arrivalCarry = 0;
  let arrived = 0;
  let completed = 0;
  let waitSum = 0;
  let maxWaitS = 0;
  let replicaSeconds = 0;
  let changes = 0;
  let flaps = 0;
  let lastChange: { t: number; up: boolean } | undefined;
  let peakReplicas = ready;
  let arrivalRate: number | undefined;
  let arrivedSinceTick = 0;

  for (let t = 0; t < pool.durationS; t++) {
    // Workers whose start-up is over.
    ready += startingReadyAt.filter((at) => at <= t).length;
    startingReadyAt = startingReadyAt.filter((at) => at > t);

    // Arrivals.
    const rate = t < pool.arrivalsUntilS ? Math.max(0, trace(t)) : 0;
    arrivalCarry += rate;
    const now = Math.floor(arrivalCarry);
    arrivalCarry -= now;
    if (now > 0) queue.push([t, now]);
    arrived += now;
    arrivedSinceTick += now;

    // Service, oldest first.
    let capacity = ready * perWorkerRate;
    let active = 0;
    while (capacity >= 1 && queue.length > 0) {
      const head = queue[0] as [number, number];
      const take = Math.min(head[1], Math.floor(capacity));
      head[1] -= take;
      capacity -= take;
      completed += take;
      active += take;
      waitSum += take * (t - head[0]);
      maxWaitS = Math.max(maxWaitS, t - head[0]);
      if (head[1] === 0) queue.shift();
    }
    active = Math.min(ready * policy.concurrency, active * pool.taskS);

    const replicas = ready + startingReadyAt.length;
    replicaSeconds += replicas;

    if (t % pool.intervalS === 0) {
      arrivalRate = ewma(arrivalRate, arrivedSinceTick / pool.intervalS, pool.intervalS, 10);
      arrivedSinceTick = 0;
      const backlog = queue.reduce((sum, [, n]) => sum + n, 0);
      const { decision, history: next } = decide(
        {
          observation: {
            at: t * 1000,
            backlog,
            delayedLater: 0,
            active,
            oldestWaitS: queue.length > 0 ? t - (queue[0] as [number, number])[0] : 0,
            arrivalRate,
            completionRate: 0,
            failureRate: 0,
            durationP50S: pool.taskS,
            durationP95S: pool.taskS,
            durationMeanS: pool.taskS,
            workers: ready,
            slots: ready * policy.concurrency,
          },
          current: replicas,
          scheduledMin: 0,
          pinned: undefined,
          now: t * 1000,
        },
        policy,
        history,
      );
      history = next;
      if (decision.desired !== replicas) {
        const up = decision.desired > replicas;
        changes++;
        if (lastChange && lastChange.up !== up && t - lastChange.t < 10) flaps++;
        lastChange = { t, up };
      }
      for (let i = replicas; i < decision.desired; i++) startingReadyAt.push(t + pool.startupS);
      for (let i = decision.desired; i < replicas; i++) {
        // Scale in: workers still starting go first.
        if (startingReadyAt.length > 0) startingReadyAt.pop();
        else ready--;
      }
      peakReplicas = Math.max(peakReplicas, decision.desired);
    }
  }
  return {
    arrived,
    completed,
    maxWaitS,
    meanWaitS: completed > 0 ? waitSum / completed : 0,
    replicaMinutes: replicaSeconds / 60,
    changes,
    flaps,
    peakReplicas,
    finalReplicas: ready + startingReadyAt.length,
  };
}

/** The synthetic arrival traces docs/scaler.md's table is made from (tasks/s at second t). */
export const traces: Record<'step' | 'ramp' | 'spike' | 'sine', ArrivalTrace> = {
  step: (t) => (t < 60 ? 2 : 60),
  ramp: (t) => (t < 60 ? 2 : Math.min(150, 2 + (t - 60) * 2.5)),
  spike: (t) => (t >= 100 && t < 120 ? 300 : 5),
  sine: (t) => 40 + 35 * Math.sin((2 * Math.PI * t) / 300),
};
