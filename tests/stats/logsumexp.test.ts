/** logSumExp: ln Σ exp(x), stable for large scores; −∞ for a fully blocked row. */
import { describe, expect, it } from 'vitest';
import { logSumExp } from '../../src-shared/stats';

describe('logSumExp', () => {
  it('ln(e¹ + e²) by hand = 2 + ln(1 + e⁻¹) = 2.3132617', () => {
    expect(logSumExp([1, 2])).toBeCloseTo(2.3132617, 7);
  });

  it('does not overflow: 1000 and 1000 give 1000 + ln 2', () => {
    expect(logSumExp([1000, 1000])).toBeCloseTo(1000 + Math.log(2), 10);
  });

  it('ignores −∞ entries (blocked keys)', () => {
    expect(logSumExp([0, -Infinity, 0])).toBeCloseTo(Math.log(2), 15);
  });

  it('−∞ for an empty or fully blocked row, +∞ with an infinite entry', () => {
    expect(logSumExp([])).toBe(-Infinity);
    expect(logSumExp([-Infinity, -Infinity])).toBe(-Infinity);
    expect(logSumExp([1, Infinity])).toBe(Infinity);
  });
});
