import { ErrorCode, type ScalerObservationView } from '@agentq/contracts';
import { ewma } from './forecast.js';
import type { PoolReading } from './observe.js';

/** One pool as the policy sees it: counts, ages and smoothed rates (as /status shows it). */
export type PoolObservation = ScalerObservationView;

/** Smoothing state carried from one tick to the next. */
export interface RateState {
  at: number;
  inSystem: number;
  arrivalRate: number;
  completionRate: number;
  /** Every task failed for good, per second. */
  failRate: number;
  /** Those not caused by the client, per second. */
  downstreamFailRate: number;
}

/** Failures the client caused: more workers neither cause nor cure them. */
const CLIENT_CAUSED = new Set<string>([ErrorCode.InvalidInput, ErrorCode.Cancelled]);

/**
 * Tasks failed since the last tick for a reason the client did not cause, estimated from
 * the sampled codes (all of them when none could be read).
 */
function downstreamFailures(reading: PoolReading): number {
  const codes = reading.failureCodes;
  if (codes.length === 0) return reading.failedSince;
  const downstream = codes.filter((code) => !CLIENT_CAUSED.has(code)).length;
  return (reading.failedSince * downstream) / codes.length;
}

/** The q-quantile (0..1) of the values, nearest-rank; undefined for none. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Turns a reading into an observation. Arrivals are not counted by Redis, so they are
 * derived by conservation: what entered = growth of the tasks in the system (backlog,
 * future delayed, active) + what left (completed and failed since the last tick).
 */
export function summarize(
  reading: PoolReading,
  previous: RateState | undefined,
  halfLifeS: number,
  concurrency: number,
): { observation: PoolObservation; state: RateState } {
  const backlog =
    reading.waiting + reading.prioritized + reading.delayedDue + reading.waitingChildren;
  const inSystem = backlog + reading.delayedLater + reading.active;
  const dtS = previous ? (reading.at - previous.at) / 1000 : 0;
  let state: RateState = {
    at: reading.at,
    inSystem,
    arrivalRate: 0,
    completionRate: 0,
    failRate: 0,
    downstreamFailRate: 0,
  };
  if (previous && dtS > 0) {
    const left = reading.completedSince + reading.failedSince;
    const arrived = Math.max(0, inSystem - previous.inSystem + left);
    state = {
      ...state,
      arrivalRate: ewma(previous.arrivalRate, arrived / dtS, dtS, halfLifeS),
      completionRate: ewma(previous.completionRate, reading.completedSince / dtS, dtS, halfLifeS),
      failRate: ewma(previous.failRate, reading.failedSince / dtS, dtS, halfLifeS),
      downstreamFailRate: ewma(
        previous.downstreamFailRate,
        downstreamFailures(reading) / dtS,
        dtS,
        halfLifeS,
      ),
    };
  }
  const finishing = state.completionRate + state.failRate;
  const durations = reading.durationsMs;
  const mean =
    durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : undefined;
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  return {
    state,
    observation: {
      at: reading.at,
      backlog,
      delayedLater: reading.delayedLater,
      active: reading.active,
      oldestWaitS:
        reading.oldestWaitingSince === undefined || backlog === 0
          ? 0
          : Math.max(0, (reading.at - reading.oldestWaitingSince) / 1000),
      arrivalRate: state.arrivalRate,
      completionRate: state.completionRate,
      failureRate: finishing > 0 ? state.downstreamFailRate / finishing : 0,
      durationP50S: seconds(quantile(durations, 0.5)),
      durationP95S: seconds(quantile(durations, 0.95)),
      durationMeanS: seconds(mean),
      workers: reading.workerSlots.length,
      // A worker whose name tells no slots counts the configured concurrency.
      slots: reading.workerSlots.reduce<number>((sum, slots) => sum + (slots ?? concurrency), 0),
    },
  };
}
