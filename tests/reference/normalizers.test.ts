/** SPEC §4 / docs/semantics.md: softmax, kernel (Nadaraya–Watson) and sparsemax, all respecting the mask. */
import { describe, expect, it } from 'vitest';
import { kernel, referenceAttention, softmax, sparsemax } from '../../src-shared/reference';
import { problem, rowOf, sum } from './helpers';

const all = (n: number) => new Uint8Array(n).fill(1);

describe('SPEC §4 softmax', () => {
  it('subtracts the row max: scores 1000 and 999 give 1/(1+e⁻¹) and e⁻¹/(1+e⁻¹), no overflow', () => {
    const w = softmax([1000, 999], all(2))!;
    expect(w[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(w[1]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 15);
  });

  it('uses only the visible keys: a blocked huge score changes nothing', () => {
    expect(Array.from(softmax([1e300, 0, 0], [0, 1, 1])!)).toEqual([0, 0.5, 0.5]);
  });

  it('uniform scores give entropy ln(n)', () => {
    const n = 6;
    const r = referenceAttention(problem({ q: [[0, 0]], k: Array.from({ length: n }, () => [1, 2]) }));
    expect(r.entropy[0]).toBeCloseTo(Math.log(n), 14);
    expect(r.normEntropy[0]).toBeCloseTo(1, 14);
    expect(r.effective[0]).toBeCloseTo(n, 12);
    expect(r.meanEntropy[0]).toBeCloseTo(Math.log(n), 14);
  });

  it('a row with no visible key has no distribution (null)', () => {
    expect(softmax([1, 2], [0, 0])).toBeNull();
  });
});

describe('SPEC §4 kernel normaliser', () => {
  it('w = s / Σ s on the visible keys', () => {
    expect(Array.from(kernel([1, 3, 100, 4], [1, 1, 0, 1], { head: 0, row: 0 })!)).toEqual([0.125, 0.375, 0, 0.5]);
  });

  it('a negative visible score throws, naming head, row and column', () => {
    // two heads, one dimension each. Head 0: all scores positive. Head 1: q = (1, 1, −1), k = (1, 1, 1):
    // rows 0 and 1 score +1, row 2 scores −1 everywhere, so the first offender is head 1, row 2, column 0.
    const q = [
      [1, 1],
      [2, 1],
      [3, -1],
    ];
    const k = [
      [1, 1],
      [1, 1],
      [1, 1],
    ];
    expect(() => referenceAttention(problem({ q, k, heads: 2, normalizer: 'kernel' }))).toThrow(/head 1, row 2, column 0/);
  });

  it('a negative score on a blocked key is not an error', () => {
    // key 1 scores −1 but the padding mask blocks it
    const r = referenceAttention(problem({ q: [[1]], k: [[2], [-1], [6]], normalizer: 'kernel', masks: [{ id: 'padding', keep: Uint8Array.from([1, 0, 1]) }] }));
    expect(Array.from(r.weights)).toEqual([0.25, 0, 0.75]);
  });

  it('polynomial with even p is non-negative, so the kernel normaliser works', () => {
    // (a·q·k + r)² with a = 1, r = 0 and q = 1, k = (−2, 1, 3): scores 4, 1, 9 (the negative q·k squared away)
    const r = referenceAttention(problem({ q: [[1]], k: [[-2], [1], [3]], normalizer: 'kernel', metric: { id: 'polynomial', a: 1, r: 0, p: 2, tau: 1 } }));
    expect(Array.from(r.scores)).toEqual([4, 1, 9]);
    expect(r.weights[0]).toBeCloseTo(4 / 14, 15);
    expect(r.weights[1]).toBeCloseTo(1 / 14, 15);
    expect(r.weights[2]).toBeCloseTo(9 / 14, 15);
  });

  it('visible scores summing to 0 make an empty row', () => {
    // (0·q·k + 0)² = 0 everywhere
    const r = referenceAttention(problem({ q: [[1]], k: [[1], [2]], normalizer: 'kernel', metric: { id: 'polynomial', a: 0, r: 0, p: 2, tau: 1 } }));
    expect(r.emptyRows[0]).toEqual([0]);
    expect(Array.from(r.weights)).toEqual([0, 0]);
    expect(r.argmax[0]).toBe(-1);
    expect(r.visible[0]).toBe(2); // the keys were visible; only the distribution is missing
  });
});

describe('SPEC §4 sparsemax', () => {
  it('sparsemax of [1, 0.5, −2] is [0.75, 0.25, 0]', () => {
    // sorted z = (1, 0.5, −2), cumulative sums 1, 1.5, −0.5
    // k = 1: 1 + 1·1 = 2 > 1 ✓;  k = 2: 1 + 2·0.5 = 2 > 1.5 ✓;  k = 3: 1 + 3·(−2) = −5 > −0.5 ✗ → support 2
    // θ = (1.5 − 1)/2 = 0.25 → w = (1 − 0.25, 0.5 − 0.25, max(−2.25, 0)) = (0.75, 0.25, 0)
    expect(Array.from(sparsemax([1, 0.5, -2], all(3))!)).toEqual([0.75, 0.25, 0]);
  });

  it('the same through the full pipeline (1-D dot with q = 1)', () => {
    const r = referenceAttention(problem({ q: [[1]], k: [[1], [0.5], [-2]], normalizer: 'sparsemax' }));
    expect(Array.from(r.weights)).toEqual([0.75, 0.25, 0]);
    // entropy of (0.75, 0.25): −0.75 ln 0.75 − 0.25 ln 0.25 = 0.562335
    expect(r.entropy[0]).toBeCloseTo(0.562335, 6);
    // n = 3 visible keys: the exact zero is still visible
    expect(r.visible[0]).toBe(3);
    expect(r.normEntropy[0]).toBeCloseTo(0.562335 / Math.log(3), 6);
  });

  it('a dominant score takes all the weight: [3, 0, 0] → [1, 0, 0]', () => {
    expect(Array.from(sparsemax([3, 0, 0], all(3))!)).toEqual([1, 0, 0]);
  });

  it('equal scores stay uniform: [2, 2, 2, 2] → 1/4 each', () => {
    expect(Array.from(sparsemax([2, 2, 2, 2], all(4))!)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('respects the mask', () => {
    const w = sparsemax([1, 5, 0.5, -2], [1, 0, 1, 1])!;
    expect(Array.from(w)).toEqual([0.75, 0, 0.25, 0]);
  });

  it('rows sum to one under causal', () => {
    const q = [
      [0.3, 1],
      [1, -0.2],
      [0.1, 0.1],
      [2, 2],
    ];
    const r = referenceAttention(problem({ q, normalizer: 'sparsemax', masks: [{ id: 'causal', offset: 0 }] }));
    for (let i = 0; i < 4; i++) expect(sum(rowOf(r.weights, 0, i, 4, 4))).toBeCloseTo(1, 14);
  });
});
