/** State of Holt's linear (double exponential) smoothing of a rate. */
export interface HoltState {
  /** Smoothed level, per second. */
  level: number;
  /** Smoothed trend: change of the level per second. */
  trend: number;
}

/**
 * One step of Holt's linear smoothing with an irregular step `dtS` seconds long.
 * `alpha` weighs the new observation into the level, `beta` the new slope into the trend.
 */
export function holtUpdate(
  state: HoltState | undefined,
  observed: number,
  dtS: number,
  alpha: number,
  beta: number,
): HoltState {
  if (!state || dtS <= 0) return { level: observed, trend: state?.trend ?? 0 };
  const predicted = state.level + state.trend * dtS;
  const level = alpha * observed + (1 - alpha) * predicted;
  const trend = beta * ((level - state.level) / dtS) + (1 - beta) * state.trend;
  return { level, trend };
}

/** The rate expected `horizonS` seconds ahead; never negative. */
export function holtForecast(state: HoltState | undefined, horizonS: number): number {
  if (!state) return 0;
  return Math.max(0, state.level + state.trend * horizonS);
}

/** Exponentially weighted moving average with a half-life, for irregular steps. */
export function ewma(
  previous: number | undefined,
  observed: number,
  dtS: number,
  halfLifeS: number,
): number {
  if (previous === undefined) return observed;
  const keep = Math.pow(0.5, dtS / halfLifeS);
  return keep * previous + (1 - keep) * observed;
}
