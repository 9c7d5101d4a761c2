/** SPEC §5: entropy in nats with 0·ln 0 = 0, normalised entropy H/ln(n), effective neighbours exp(H). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectiveNeighbours, entropy, normalisedEntropy } from '../../src-shared/stats';

describe('entropy', () => {
  it('uniform over n gives ln(n)', () => {
    for (const n of [1, 2, 5, 100]) expect(entropy(new Float64Array(n).fill(1 / n))).toBeCloseTo(Math.log(n), 13);
  });

  it('0·ln 0 = 0: zeros (blocked keys) add nothing', () => {
    expect(entropy([0.5, 0, 0.5, 0])).toBeCloseTo(Math.log(2), 15);
    expect(entropy([0, 0, 0])).toBe(0);
    expect(entropy([1, 0])).toBe(0);
  });

  it('(0.75, 0.25): −0.75 ln 0.75 − 0.25 ln 0.25 = 0.5623351', () => {
    expect(entropy([0.75, 0.25])).toBeCloseTo(0.5623351, 7);
  });

  it('is in [0, ln n] for any distribution', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }), (raw) => {
        const total = raw.reduce((s, x) => s + x, 0);
        fc.pre(total > 0);
        const p = raw.map((x) => x / total);
        const H = entropy(p);
        expect(H).toBeGreaterThanOrEqual(0);
        expect(H).toBeLessThanOrEqual(Math.log(p.length) + 1e-12);
      }),
    );
  });
});

describe('normalised entropy and effective neighbours', () => {
  it('H / ln(n), and 0 when n ≤ 1', () => {
    expect(normalisedEntropy(Math.log(4), 4)).toBeCloseTo(1, 15);
    expect(normalisedEntropy(Math.log(2), 4)).toBeCloseTo(0.5, 15);
    expect(normalisedEntropy(0, 1)).toBe(0);
    expect(normalisedEntropy(0, 0)).toBe(0);
  });

  it('exp(H): a uniform row over n keys has n effective neighbours', () => {
    expect(effectiveNeighbours(Math.log(7))).toBeCloseTo(7, 13);
    expect(effectiveNeighbours(0)).toBe(1);
  });
});
