/** The numbers behind the console's SVG charts, kept apart from drawing them. */

/** The smallest 1, 2 or 5 × 10ⁿ at or above `max` (1 for nothing), so axes read round. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * magnitude >= max) return step * magnitude;
  }
  return 10 * magnitude;
}

/** Evenly spaced values from 0 to `top`, both included. */
export function ticks(top: number, count = 4): number[] {
  return Array.from({ length: count + 1 }, (_, i) => (top * i) / count);
}

export interface Frame {
  width: number;
  height: number;
  yMax: number;
}

/**
 * An SVG path through the values, left to right across the frame; a null value leaves a
 * gap (a minute with no sample is not a zero).
 */
export function linePath(values: readonly (number | null)[], frame: Frame): string {
  const step = values.length > 1 ? frame.width / (values.length - 1) : 0;
  let path = '';
  let drawing = false;
  values.forEach((value, i) => {
    if (value === null) {
      drawing = false;
      return;
    }
    const x = round(i * step);
    const y = round(frame.height - (Math.min(value, frame.yMax) / frame.yMax) * frame.height);
    path += `${drawing ? 'L' : 'M'}${x} ${y}`;
    drawing = true;
  });
  return path;
}

/** The largest value, nulls skipped; 0 when there is none. */
export function maxOf(series: readonly (readonly (number | null)[])[]): number {
  let max = 0;
  for (const values of series) for (const v of values) if (v !== null && v > max) max = v;
  return max;
}

const round = (n: number) => Math.round(n * 10) / 10;
