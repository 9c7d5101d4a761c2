/** SPEC §5 / docs/semantics.md "Outputs": empty rows, entropy family, argmax, top-k, overview, heads. */
import { describe, expect, it } from 'vitest';
import { referenceAttention } from '../../src-shared/reference';
import { Rng } from '../../src-shared/random';
import { mat, problem, rowOf, sum } from './helpers';

describe('SPEC §3 empty rows', () => {
  // row 1 sees nothing: the custom mask blocks its whole row
  const allowed = Uint8Array.from([1, 1, 0, 0, 0, 0, 1, 0, 1]);
  const r = referenceAttention(
    problem({
      q: [
        [1, 0],
        [0, 1],
        [1, 1],
      ],
      masks: [{ id: 'custom', allowed }],
    }),
  );

  it('an all-masked row is an empty row: zero weights and output, no NaN', () => {
    expect(rowOf(r.weights, 0, 1, 3, 3)).toEqual([0, 0, 0]);
    expect(rowOf(r.output, 0, 1, 3, 2)).toEqual([0, 0]);
    expect(rowOf(r.scores, 0, 1, 3, 3)).toEqual([-Infinity, -Infinity, -Infinity]);
    for (const a of [r.weights, r.output, r.entropy, r.normEntropy, r.effective, r.maxWeight]) {
      expect(Array.from(a).some(Number.isNaN)).toBe(false);
    }
  });

  it('entropy 0, normalised entropy 0, effective neighbours 0, argmax −1, maxWeight 0, listed in emptyRows', () => {
    expect(r.entropy[1]).toBe(0);
    expect(r.normEntropy[1]).toBe(0);
    expect(r.effective[1]).toBe(0);
    expect(r.argmax[1]).toBe(-1);
    expect(r.maxWeight[1]).toBe(0);
    expect(r.visible[1]).toBe(0);
    expect(r.emptyRows).toEqual([[1]]);
  });

  it('mean entropy averages the non-empty rows only', () => {
    expect(r.meanEntropy[0]).toBeCloseTo((r.entropy[0] + r.entropy[2]) / 2, 15);
  });

  it('a head whose rows are all empty has mean entropy 0', () => {
    const none = referenceAttention(problem({ q: [[1]], masks: [{ id: 'padding', keep: Uint8Array.from([0]) }] }));
    expect(none.meanEntropy).toEqual([0]);
    expect(none.emptyRows).toEqual([[0]]);
  });
});

describe('SPEC §5 per-row statistics', () => {
  it('a single visible key: weight 1, entropy 0, normalised entropy 0 (n ≤ 1), effective neighbours 1', () => {
    const r = referenceAttention(problem({ q: [[1], [2]], masks: [{ id: 'causal', offset: 0 }] }));
    expect(r.weights[0]).toBe(1);
    expect(r.entropy[0]).toBe(0);
    expect(r.normEntropy[0]).toBe(0);
    expect(r.effective[0]).toBe(1);
  });

  it('argmax is the lowest index among equal maxima, maxWeight its weight', () => {
    // keys 1 and 3 tie for the top score 2; key 0 and 2 score 1
    const r = referenceAttention(problem({ q: [[1]], k: [[1], [2], [1], [2]] }));
    expect(r.argmax[0]).toBe(1);
    // weights e²/(2e + 2e²) = 1/(2(1 + e⁻¹))
    expect(r.maxWeight[0]).toBeCloseTo(1 / (2 * (1 + Math.exp(-1))), 15);
  });

  it('two keys 0.75 / 0.25: entropy −0.75 ln 0.75 − 0.25 ln 0.25, normalised by ln 2, effective exp of it', () => {
    // dot scores ln 3 and 0 → weights 3/4 and 1/4
    const r = referenceAttention(problem({ q: [[1]], k: [[Math.log(3)], [0]] }));
    const H = -0.75 * Math.log(0.75) - 0.25 * Math.log(0.25); // 0.562335
    expect(r.weights[0]).toBeCloseTo(0.75, 7); // ln 3 is rounded to float32
    expect(r.entropy[0]).toBeCloseTo(H, 7);
    expect(r.normEntropy[0]).toBeCloseTo(H / Math.log(2), 7);
    expect(r.effective[0]).toBeCloseTo(Math.exp(H), 7);
  });

  it('maxEntropy is ln(Tk)', () => {
    const r = referenceAttention(problem({ q: [[1]], k: [[1], [2], [3], [4], [5]] }));
    expect(r.maxEntropy).toBeCloseTo(Math.log(5), 15);
  });
});

describe('SPEC §5 top-k output', () => {
  it('per row the k largest weights, descending, ties to the lower index, −1/0 past the visible keys', () => {
    // causal over keys scoring 1, 2, 2 (q = 1): row 0 sees one key, row 2 sees a tie at the top
    const r = referenceAttention(problem({ q: [[1], [1], [1]], k: [[1], [2], [2]], masks: [{ id: 'causal', offset: 0 }], topk: 3 }));
    expect(r.topk).toBe(3);
    expect(Array.from(r.topkIndices!.subarray(0, 3))).toEqual([0, -1, -1]);
    expect(Array.from(r.topkWeights!.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(r.topkIndices!.subarray(6, 9))).toEqual([1, 2, 0]);
    expect(r.topkWeights![6]).toBe(r.topkWeights![7]);
  });

  it('lists a visible key even when sparsemax gives it exactly 0', () => {
    const r = referenceAttention(problem({ q: [[1]], k: [[1], [0.5], [-2]], normalizer: 'sparsemax', topk: 4 }));
    expect(Array.from(r.topkIndices!)).toEqual([0, 1, 2, -1]);
    expect(Array.from(r.topkWeights!)).toEqual([0.75, 0.25, 0, 0]);
  });

  it('an empty row has top-k all −1 / 0', () => {
    const r = referenceAttention(problem({ q: [[1]], masks: [{ id: 'padding', keep: Uint8Array.from([0]) }], topk: 2 }));
    expect(Array.from(r.topkIndices!)).toEqual([-1, -1]);
  });

  it('is absent when the problem gives no k', () => {
    expect(referenceAttention(problem({ q: [[1]] })).topkIndices).toBeUndefined();
  });
});

describe('SPEC §5 overview pooling', () => {
  // causal 4×4 with identical keys: row i is uniform 1/(i+1) over j ≤ i
  const q = [[1], [1], [1], [1]];
  const causal = { id: 'causal' as const, offset: 0 };

  it('mean: blocks of ceil(4/3) = 2 by 2, blocked cells count as 0; the grid is 2×2', () => {
    // block (0,0): w00 = 1, w01 = 0, w10 = w11 = 1/2 → 2/4 = 1/2      block (0,1): all 0
    // block (1,0): 1/3, 1/3, 1/4, 1/4 → (7/6)/4 = 7/24                block (1,1): 1/3, 0, 1/4, 1/4 → (5/6)/4 = 5/24
    const r = referenceAttention(problem({ q, masks: [causal], overview: { rows: 3, cols: 3, pool: 'mean' } }));
    expect(r.overview!.rows).toBe(2);
    expect(r.overview!.cols).toBe(2);
    const expected = [1 / 2, 0, 7 / 24, 5 / 24];
    Array.from(r.overview!.data).forEach((x, c) => expect(x).toBeCloseTo(expected[c], 15));
  });

  it('max: the largest weight of each block', () => {
    const r = referenceAttention(problem({ q, masks: [causal], overview: { rows: 2, cols: 2, pool: 'max' } }));
    const expected = [1, 0, 1 / 3, 1 / 3];
    Array.from(r.overview!.data).forEach((x, c) => expect(x).toBeCloseTo(expected[c], 15));
  });

  it('the smaller last block averages over its own cells', () => {
    // 5 queries, 1 key: every weight is 1; blocks of ceil(5/2) = 3 rows then 2 rows, both mean 1
    const r = referenceAttention(problem({ q: [[1], [2], [3], [4], [5]], k: [[1]], overview: { rows: 2, cols: 1, pool: 'mean' } }));
    expect(Array.from(r.overview!.data)).toEqual([1, 1]);
  });

  it('is head-major: heads × rows × cols', () => {
    const r = referenceAttention(
      problem({
        q: [
          [1, 1],
          [1, 1],
        ],
        heads: 2,
        overview: { rows: 1, cols: 1, pool: 'mean' },
      }),
    );
    expect(Array.from(r.overview!.data)).toEqual([0.5, 0.5]);
  });
});

describe('SPEC §1 heads', () => {
  const rng = new Rng(21, 'test/heads');
  const rows = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => rng.gaussian()));
  const slice = (m: number[][], c0: number, w: number) => m.map((r) => r.slice(c0, c0 + w));

  it('head h uses columns [h·dh, (h+1)·dh) of q, k and v: two heads equal two one-head runs on the slices', () => {
    const q = rows(3, 4);
    const k = rows(5, 4);
    const v = rows(5, 6);
    const both = referenceAttention(problem({ q, k, v, heads: 2, metric: { id: 'dot', c: 0.5 } }));
    for (let h = 0; h < 2; h++) {
      const one = referenceAttention(problem({ q: slice(q, 2 * h, 2), k: slice(k, 2 * h, 2), v: slice(v, 3 * h, 3), metric: { id: 'dot', c: 0.5 } }));
      expect(Array.from(both.weights.subarray(h * 15, (h + 1) * 15))).toEqual(Array.from(one.weights));
      expect(Array.from(both.output.subarray(h * 9, (h + 1) * 9))).toEqual(Array.from(one.output));
      expect(both.entropy[h * 3]).toBe(one.entropy[0]);
    }
    expect(both.dv).toBe(3);
  });

  it('bilinear, additive and gat take their own widths for queries and keys', () => {
    const q = rows(2, 4); // dq = 2 per head
    const k = rows(3, 6); // dk = 3 per head
    const ones = (n: number) => new Float64Array(n).fill(0.1);
    for (const metric of [
      { id: 'bilinear' as const, tau: 1, W: [ones(6), ones(6)] },
      { id: 'additive' as const, tau: 1, m: 2, Aq: [ones(4), ones(4)], Ak: [ones(6), ones(6)], v: [ones(2), ones(2)] },
      { id: 'gat' as const, tau: 1, slope: 0.2, aq: [ones(2), ones(2)], ak: [ones(3), ones(3)] },
    ]) {
      const r = referenceAttention(problem({ q, k, heads: 2, metric }));
      for (let h = 0; h < 2; h++) for (let i = 0; i < 2; i++) expect(sum(rowOf(r.weights, h, i, 2, 3))).toBeCloseTo(1, 14);
    }
  });

  it('a width not divisible by H is an error that names the width and H', () => {
    expect(() => referenceAttention(problem({ q: [[1, 2, 3]], heads: 2 }))).toThrow(/width 3 does not split into 2 heads/);
  });

  it('values need one row per key', () => {
    expect(() => referenceAttention(problem({ q: mat([[1]]), k: mat([[1], [2]]), v: mat([[1]]) }))).toThrow(/2 keys but 1 value rows/);
  });
});
