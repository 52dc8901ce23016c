import { describe, expect, it } from '@jest/globals';
import { waitAgainstObjective } from './wait-against-objective.js';

describe('waitAgainstObjective', () => {
  it('shows the wait against the objective, and whether it is past it', () => {
    expect(waitAgainstObjective(12, 30)).toEqual({ text: '12 s / 30 s', over: false });
    expect(waitAgainstObjective(45, 30)).toEqual({ text: '45 s / 30 s', over: true });
    expect(waitAgainstObjective(null, 30)).toEqual({ text: '— / 30 s', over: false });
    expect(waitAgainstObjective(12, undefined)).toEqual({ text: '12 s', over: false });
  });
});
