/** SPEC §6 Compare: per-row Jensen–Shannon divergence in nats, finite where one row blocks a key. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jensenShannon, modelDivergence } from '../../src-shared/stats';

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

describe('modelDivergence: the lab against a model pattern, per head', () => {
  // model: 2 heads × 2 rows × 2 keys; head 0 one-hot on key 0, head 1 one-hot on key 1
  const pattern = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1]);

  it('is the mean over rows of JS, 0 where the rows agree, ln 2 where they are disjoint', () => {
    // one lab head compared with model head 0: row 0 agrees, row 1 is disjoint
    const lab = Float32Array.from([1, 0, 0, 1]);
    expect(modelDivergence(lab, pattern, [0], 2, 2, [[]])[0]).toBeCloseTo(Math.log(2) / 2, 7);
    // the same lab head read as model head 1: row 0 disjoint, row 1 agrees
    expect(modelDivergence(lab, pattern, [1], 2, 2, [[]])[0]).toBeCloseTo(Math.log(2) / 2, 7);
    expect(modelDivergence(Float32Array.from([0, 1, 0, 1, 1, 0, 1, 0]), pattern, [1, 0], 2, 2, [[], []])).toEqual([0, 0]);
  });

  it('skips the rows the lab leaves empty and rows that are not distributions; no row left is null', () => {
    const lab = Float32Array.from([0, 0, 0, 1]);
    // row 0 empty: only row 1 (disjoint) counts
    expect(modelDivergence(lab, pattern, [0], 2, 2, [[0]])[0]).toBeCloseTo(Math.log(2), 7);
    // row 1 flagged as no distribution (a recurrence's signed row): nothing left
    expect(modelDivergence(lab, pattern, [0], 2, 2, [[0]], Uint8Array.from([0, 1]))).toEqual([null]);
  });
});
