import { ewma, holtForecast, holtUpdate, type HoltState } from './forecast.js';

describe(holtUpdate.name, () => {
  it('learns a linear trend and forecasts along it', () => {
    let state: HoltState | undefined;
    // 10/s rising by 1/s every second.
    for (let t = 0; t <= 30; t++) state = holtUpdate(state, 10 + t, t === 0 ? 0 : 1, 0.5, 0.3);
    expect(state?.trend).toBeCloseTo(1, 1);
    expect(holtForecast(state, 10)).toBeCloseTo(50, 0);
  });

  it('never forecasts a negative rate', () => {
    expect(holtForecast({ level: 1, trend: -1 }, 10)).toBe(0);
    expect(holtForecast(undefined, 10)).toBe(0);
  });
});

describe(ewma.name, () => {
  it('moves halfway to the new value after one half-life', () => {
    expect(ewma(undefined, 8, 1, 10)).toBe(8);
    expect(ewma(0, 10, 10, 10)).toBeCloseTo(5);
  });
});
