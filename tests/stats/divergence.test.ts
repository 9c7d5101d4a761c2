/** SPEC §6 Compare: per-row Jensen–Shannon divergence in nats, finite where one row blocks a key. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jensenShannon } from '../../src-shared/stats';

describe('Jensen–Shannon divergence', () => {
  it('is 0 for identical rows', () => {
    expect(jensenShannon([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('is ln 2 for rows with disjoint support (0 handled)', () => {
    // m = (0.5, 0.5): ½·1·ln(1/0.5) + ½·1·ln(1/0.5) = ln 2
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.log(2), 15);
  });

  it('(1, 0) vs (0.5, 0.5) by hand', () => {
    // m = (0.75, 0.25). KL(p‖m) = ln(1/0.75) = 0.2876821;
    // KL(q‖m) = 0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25) = 0.5(−0.4054651) + 0.5(0.6931472) = 0.1438410
    // JS = ½(0.2876821 + 0.1438410) = 0.2157616
    expect(jensenShannon([1, 0], [0.5, 0.5])).toBeCloseTo(0.2157616, 7);
  });

  it('is symmetric and in [0, ln 2]', () => {
    const dist = fc
      .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 })
      .filter((xs) => xs.some((x) => x > 0))
      .map((xs) => {
        const t = xs.reduce((s, x) => s + x, 0);
        return xs.map((x) => x / t);
      });
    fc.assert(
      fc.property(dist, dist, (p, q) => {
        const js = jensenShannon(p, q);
        expect(js).toBeGreaterThanOrEqual(0);
        expect(js).toBeLessThanOrEqual(Math.log(2) + 1e-12);
        expect(jensenShannon(q, p)).toBeCloseTo(js, 12);
      }),
    );
  });

  it('rows of different lengths are an error', () => {
    expect(() => jensenShannon([1], [0.5, 0.5])).toThrow(/equal length/);
  });
});
