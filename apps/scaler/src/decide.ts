import type { ScalerDecision, ScalerDecisionReason, ScalerDirection } from '@agentq/contracts';
import { holtForecast, holtUpdate, type HoltState } from './forecast.js';
import type { PoolObservation } from './rates.js';

/** The scaling policy of a pool (see config.ts for each knob's meaning and default). */
export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  /** Task slots of one worker. */
  concurrency: number;
  targetUtilization: number;
  backlogDrainS: number;
  maxWaitS: number;
  defaultTaskS: number;
  stepUp: number;
  stepDown: number;
  upCooldownS: number;
  downStabilizationS: number;
  predictive: boolean;
  workerStartupS: number;
  holtAlpha: number;
  holtBeta: number;
  failureRateMax: number;
  costPerReplicaHour: number;
  budgetPerHour: number;
}

/** What decide() remembers between two decisions of a pool. */
export interface DecisionHistory {
  /** When the last scale-up was decided (ms). */
  lastScaleUpAt: number | undefined;
  /** Recommendations within the scale-down stabilization window, oldest first. */
  recommendations: { at: number; replicas: number }[];
  /** Holt smoothing of the arrival rate, and when it was last updated. */
  forecast: HoltState | undefined;
  forecastAt: number | undefined;
}

export const emptyHistory: DecisionHistory = {
  lastScaleUpAt: undefined,
  recommendations: [],
  forecast: undefined,
  forecastAt: undefined,
};

export interface DecideInput {
  observation: PoolObservation;
  /** Replicas running now (as the actuator reports them). */
  current: number;
  /** Minimum of the schedule windows open now (0 when none). */
  scheduledMin: number;
  /** Replicas pinned by an operator (POST /scale), if any. */
  pinned: number | undefined;
  /**
   * Of `current`, the workers ready to take tasks (the local actuator's children, else the
   * BullMQ workers seen on the queue); undefined when unknown (then a fixed cooldown applies).
   */
  ready?: number | undefined;
  now: number;
}

/** A decision, its reason and direction: the shapes the scaler's API answers (contracts). */
export type Decision = ScalerDecision;
export type DecisionReason = ScalerDecisionReason;
export type Direction = ScalerDirection;

/** Fraction of a replica ignored when rounding up, so noise does not add a worker. */
const TOLERANCE = 0.1;

/**
 * Whole replicas for a fractional need, with hysteresis: adding one needs the need to
 * pass the tolerance, removing one needs the rest to still meet the target exactly.
 */
function replicasFor(fractional: number, current: number): number {
  if (fractional <= TOLERANCE) return 0;
  const up = Math.ceil(fractional - TOLERANCE);
  return up > current ? up : Math.min(current, Math.ceil(fractional));
}

const clamp = (n: number, low: number, high: number) => Math.min(high, Math.max(low, n));
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/**
 * The scaling policy: a pure function of the observation, the policy and the history.
 * 1. Recommend: the largest of the in-flight need (active / slots at the target
 *    utilization), the rate need ((arrivals or their forecast + backlog / drain time) /
 *    one worker's throughput), +1 when the oldest task waits past the objective, and 1 to
 *    wake an empty pool with work.
 * 2. Bound: [max(min, scheduled min), min(max, budget / cost)]; a pin replaces 1.
 * 3. Guard: no scale-up while the failure rate is above its threshold.
 * 4. Smooth: scale down only to the highest recommendation of the stabilization window
 *    (as the Kubernetes HPA does), and never below what the arrival forecast one worker
 *    start-up ahead needs (in every mode); no scale-up while workers of the last step are
 *    still starting (at most the cooldown; the cooldown alone when readiness is unknown).
 * 5. Step: at most +stepUp / -stepDown per decision.
 * The reason is the constraint applied last that set the number.
 */
export function decide(
  input: DecideInput,
  policy: ScalingPolicy,
  history: DecisionHistory,
): { decision: Decision; history: DecisionHistory } {
  const { observation: obs, current, now } = input;
  const notes: string[] = [];

  const dtS = history.forecastAt === undefined ? 0 : (now - history.forecastAt) / 1000;
  const holt = holtUpdate(
    history.forecast,
    obs.arrivalRate,
    dtS,
    policy.holtAlpha,
    policy.holtBeta,
  );
  const forecastRate = holtForecast(holt, policy.workerStartupS);
  const taskS = obs.durationMeanS ?? policy.defaultTaskS;
  const perReplicaRate = policy.concurrency / Math.max(taskS, 0.001);
  const usableRate = perReplicaRate * policy.targetUtilization;

  // 1. Recommend.
  const rate = policy.predictive ? Math.max(obs.arrivalRate, forecastRate) : obs.arrivalRate;
  const candidates: [DecisionReason, number, string][] = [
    [
      'utilization',
      replicasFor(obs.active / (policy.concurrency * policy.targetUtilization), current),
      `${obs.active} active / (${policy.concurrency} slots × ${policy.targetUtilization})`,
    ],
    [
      obs.backlog > 0 ? 'backlog' : rate > obs.arrivalRate ? 'forecast' : 'arrivals',
      replicasFor((rate + obs.backlog / policy.backlogDrainS) / usableRate, current),
      `(${fmt(rate)}/s arriving${rate > obs.arrivalRate ? ' (forecast)' : ''} + backlog ${obs.backlog} / ${policy.backlogDrainS} s) / ${fmt(usableRate)}/s per worker`,
    ],
  ];
  const objectiveMissSeconds = obs.backlog > 0 ? Math.max(0, obs.oldestWaitS - policy.maxWaitS) : 0;
  if (objectiveMissSeconds > 0) {
    candidates.push([
      'latency',
      current + 1,
      `oldest task waited ${fmt(obs.oldestWaitS)} s > ${policy.maxWaitS} s`,
    ]);
  }
  if (obs.backlog > 0) candidates.push(['wake', 1, `${obs.backlog} tasks waiting`]);
  let reason: DecisionReason = 'idle';
  let recommendation = 0;
  for (const [why, replicas, how] of candidates) {
    if (replicas > recommendation) {
      reason = why;
      recommendation = replicas;
      notes[0] = `${why}: ${how} → ${replicas}`;
    }
  }
  if (recommendation === 0) notes[0] = 'idle: nothing waiting or running';
  if (objectiveMissSeconds > 0) {
    notes.unshift(
      `objective missed by ${fmt(objectiveMissSeconds)} s (oldest wait ${fmt(obs.oldestWaitS)} s, objective ${policy.maxWaitS} s)`,
    );
  }

  // 2. Bound.
  const budgetCap =
    policy.budgetPerHour > 0 && policy.costPerReplicaHour > 0
      ? Math.floor(policy.budgetPerHour / policy.costPerReplicaHour)
      : Infinity;
  const maxReplicas = Math.min(policy.maxReplicas, budgetCap);
  const minReplicas = Math.min(maxReplicas, Math.max(policy.minReplicas, input.scheduledMin));
  if (input.pinned !== undefined) {
    reason = 'pinned';
    recommendation = input.pinned;
    notes.push(`pinned to ${input.pinned}`);
  }
  if (recommendation < minReplicas) {
    reason = input.scheduledMin > policy.minReplicas ? 'schedule' : 'min';
    notes.push(`raised to the minimum ${minReplicas}`);
    recommendation = minReplicas;
  } else if (recommendation > maxReplicas) {
    reason = budgetCap < policy.maxReplicas ? 'budget' : 'max';
    notes.push(`capped at ${maxReplicas}${budgetCap < policy.maxReplicas ? ' (budget)' : ''}`);
    recommendation = maxReplicas;
  }

  let desired = recommendation;
  const windowStart = now - policy.downStabilizationS * 1000;
  const recommendations = [
    ...history.recommendations.filter((r) => r.at > windowStart),
    { at: now, replicas: recommendation },
  ];
  if (input.pinned === undefined) {
    // 3. Guard.
    if (desired > current && obs.failureRate > policy.failureRateMax) {
      desired = Math.max(current, minReplicas);
      reason = 'failure-storm';
      notes.push(`failure rate ${fmt(obs.failureRate)} > ${policy.failureRateMax}: no scale-up`);
    }
    // 4. Smooth.
    if (desired < current) {
      const highest = Math.max(...recommendations.map((r) => r.replicas));
      // Removing a worker that the forecast needs back within a start-up would flap.
      const forecastNeed = Math.ceil(forecastRate / usableRate);
      if (forecastNeed > desired) {
        desired = Math.min(current, forecastNeed);
        reason = 'forecast';
        notes.push(`forecast ${fmt(forecastRate)}/s needs ${forecastNeed}: no scale-down below`);
      }
      if (highest > desired) {
        desired = Math.min(current, highest);
        reason = 'stabilization';
        notes.push(`highest recommendation of the last ${policy.downStabilizationS} s: ${highest}`);
      }
    }
    // Scale-up follows readiness: once the workers of the last step serve and the need
    // persists, step again. The cooldown only bounds the wait for workers that never get
    // ready (crash loop), or stands in when readiness is unknown.
    const coolingUntil = (history.lastScaleUpAt ?? -Infinity) + policy.upCooldownS * 1000;
    const starting = input.ready === undefined ? undefined : Math.max(0, current - input.ready);
    const holding = starting === undefined || starting > 0;
    if (
      desired > current &&
      current >= minReplicas &&
      current > 0 &&
      holding &&
      now < coolingUntil
    ) {
      desired = current;
      if (starting === undefined) {
        reason = 'cooldown';
        notes.push(`scale-up cooldown for ${fmt((coolingUntil - now) / 1000)} s more`);
      } else {
        reason = 'readiness';
        notes.push(`${starting} of ${current} workers still starting: next step once ready`);
      }
    }
  }
  // 5. Step.
  if (desired > current + policy.stepUp) {
    desired = current + policy.stepUp;
    reason = 'step-limit';
    notes.push(`step limit +${policy.stepUp}`);
  } else if (desired < current - policy.stepDown) {
    desired = current - policy.stepDown;
    reason = 'step-limit';
    notes.push(`step limit -${policy.stepDown}`);
  }
  // A pool below its minimum (or above its maximum) is brought in bounds whatever the step.
  if (desired < minReplicas) reason = input.scheduledMin > policy.minReplicas ? 'schedule' : 'min';
  else if (desired > maxReplicas) reason = budgetCap < policy.maxReplicas ? 'budget' : 'max';
  desired = clamp(desired, minReplicas, maxReplicas);

  const direction: Direction = desired > current ? 'up' : desired < current ? 'down' : 'none';
  return {
    decision: {
      current,
      desired,
      direction,
      reason,
      rationale: `${notes.join('; ')}; ${current} → ${desired}`,
      objectiveMissSeconds,
      inputs: {
        backlog: obs.backlog,
        active: obs.active,
        oldestWaitS: obs.oldestWaitS,
        arrivalRate: obs.arrivalRate,
        forecastRate,
        failureRate: obs.failureRate,
        taskS,
        perReplicaRate,
        minReplicas,
        maxReplicas,
        pinned: input.pinned,
        recommendation,
      },
    },
    history: {
      lastScaleUpAt: direction === 'up' ? now : history.lastScaleUpAt,
      recommendations,
      forecast: holt,
      forecastAt: now,
    },
  };
}
