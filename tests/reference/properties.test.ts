/**
 * SPEC §3–§5 as properties over random small problems (fast-check): whatever the score
 * function, masks and normaliser, the weights form a distribution on the visible keys and
 * the derived statistics stay in their ranges.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceAttention, type ReferenceResult } from '../../src-shared/reference';
import type { AttentionProblem, NormalizerId, ResolvedMask, ResolvedMetric } from '../../src-shared/job/problem';
import { matrix } from '../../src-shared/linalg/matrix';
import { gaussianMatrix } from '../../src-shared/random';

const TOLERANCE = 1e-9;

interface Shape {
  heads: number;
  Tq: number;
  Tk: number;
  d: number;
  dv: number;
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  heads: fc.integer({ min: 1, max: 2 }),
  Tq: fc.integer({ min: 1, max: 6 }),
  Tk: fc.integer({ min: 1, max: 6 }),
  d: fc.integer({ min: 1, max: 4 }),
  dv: fc.integer({ min: 1, max: 3 }),
});

/** Inputs with |x| ≤ 10 (the SPEC's accuracy range), as float32. */
const valuesArb = (n: number) => fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }).map((xs) => Float32Array.from(xs));

const tauArb = fc.double({ min: 0.1, max: 5, noNaN: true });

/** Per-head parameter matrices come from a seed: fast-check picks the seed, not every entry. */
const perHead = (seed: number, label: string, heads: number, n: number) => Array.from({ length: heads }, (_, h) => gaussianMatrix(seed, `${label}/head${h}`, 1, n, 1));

function metricArb(s: Shape): fc.Arbitrary<ResolvedMetric> {
  const { heads, d } = s;
  const seeded = <T>(make: (seed: number, tau: number) => T) => fc.tuple(fc.nat(), tauArb).map(([seed, tau]) => make(seed, tau));
  return fc.oneof(
    fc.constantFrom(1, 1 / Math.sqrt(d), 0.25).map((c): ResolvedMetric => ({ id: 'dot', c })),
    tauArb.map((tau): ResolvedMetric => ({ id: 'cosine', tau })),
    tauArb.map((tau): ResolvedMetric => ({ id: 'rbf', tau })),
    tauArb.map((tau): ResolvedMetric => ({ id: 'laplacian', tau })),
    tauArb.map((tau): ResolvedMetric => ({ id: 'euclidean', tau })),
    tauArb.map((tau): ResolvedMetric => ({ id: 'mahalanobis', tau, M: Array.from({ length: heads }, () => identity(d)) })),
    fc.tuple(fc.integer({ min: 1, max: 4 }), tauArb).map(([p, tau]): ResolvedMetric => ({ id: 'polynomial', a: 1 / d, r: 1, p, tau })),
    seeded((seed, tau): ResolvedMetric => ({ id: 'bilinear', tau, W: perHead(seed, 'W', heads, d * d) })),
    seeded((seed, tau): ResolvedMetric => ({
      id: 'additive',
      tau,
      m: 3,
      Aq: perHead(seed, 'Aq', heads, 3 * d),
      Ak: perHead(seed, 'Ak', heads, 3 * d),
      v: perHead(seed, 'v', heads, 3),
    })),
    seeded((seed, tau): ResolvedMetric => ({ id: 'gat', tau, slope: 0.2, aq: perHead(seed, 'aq', heads, d), ak: perHead(seed, 'ak', heads, d) })),
    seeded((seed, tau): ResolvedMetric => ({ id: 'hamming', tau, bits: 8, R: perHead(seed, 'R', heads, 8 * d) })),
  );
}

function identity(d: number): Float64Array {
  const M = new Float64Array(d * d);
  for (let c = 0; c < d; c++) M[c * d + c] = 1;
  return M;
}

const bitsArb = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => Uint8Array.from(bs, Number));

function maskArb(s: Shape): fc.Arbitrary<ResolvedMask> {
  return fc.oneof(
    fc.integer({ min: -2, max: 2 }).map((offset): ResolvedMask => ({ id: 'causal', offset })),
    fc.integer({ min: 0, max: 3 }).map((size): ResolvedMask => ({ id: 'window', size })),
    fc.integer({ min: 1, max: 3 }).map((stride): ResolvedMask => ({ id: 'dilated', stride })),
    bitsArb(s.Tk).map((keep): ResolvedMask => ({ id: 'padding', keep })),
    bitsArb(s.Tq * s.Tk).map((allowed): ResolvedMask => ({ id: 'custom', allowed })),
    fc
      .tuple(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.Tq, maxLength: s.Tq }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: s.Tk, maxLength: s.Tk }))
      .map(([qi, ki]): ResolvedMask => ({ id: 'segments', queryIds: Int32Array.from(qi), keyIds: Int32Array.from(ki) })),
    fc.nat().map((seed): ResolvedMask => ({ id: 'buckets', bits: 1, R: perHead(seed, 'buckets', s.heads, s.d) })),
    fc.integer({ min: 1, max: 3 }).map((k): ResolvedMask => ({ id: 'topk', k })),
  );
}

function problemArb(normalizers: NormalizerId[], metricFor: (s: Shape) => fc.Arbitrary<ResolvedMetric> = metricArb): fc.Arbitrary<AttentionProblem> {
  return shapeArb.chain((s) =>
    fc
      .record({
        q: valuesArb(s.Tq * s.heads * s.d),
        k: valuesArb(s.Tk * s.heads * s.d),
        v: valuesArb(s.Tk * s.heads * s.dv),
        metric: metricFor(s),
        masks: fc.array(maskArb(s), { maxLength: 3 }),
        normalizer: fc.constantFrom(...normalizers),
      })
      .map((p): AttentionProblem => ({
        heads: s.heads,
        q: matrix(s.Tq, s.heads * s.d, p.q),
        k: matrix(s.Tk, s.heads * s.d, p.k),
        v: matrix(s.Tk, s.heads * s.dv, p.v),
        metric: p.metric,
        masks: p.masks,
        normalizer: p.normalizer,
        outputs: [],
        topk: 0,
        tokens: { queries: null, keys: null },
      })),
  );
}

/** Calls `check(r, h, i, row)` for every row of every head. */
function eachRow(r: ReferenceResult, check: (h: number, i: number, at: number, weights: Float64Array) => void): void {
  for (let h = 0; h < r.heads; h++) {
    for (let i = 0; i < r.Tq; i++) {
      const at = h * r.Tq + i;
      check(h, i, at, r.weights.subarray(at * r.Tk, (at + 1) * r.Tk));
    }
  }
}

const isEmpty = (r: ReferenceResult, h: number, i: number) => r.emptyRows[h].includes(i);
const rowSum = (w: Float64Array) => w.reduce((s, x) => s + x, 0);

const softmaxOrSparsemax = problemArb(['softmax', 'sparsemax']);

describe('SPEC §4–§5 properties over random problems', () => {
  it('every visible (non-empty) row sums to 1; an empty row is exactly the rows with no visible key', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        eachRow(r, (h, i, at, w) => {
          expect(isEmpty(r, h, i)).toBe(r.visible[at] === 0);
          if (isEmpty(r, h, i)) expect(rowSum(w)).toBe(0);
          else expect(Math.abs(rowSum(w) - 1)).toBeLessThan(TOLERANCE);
        });
      }),
    );
  });

  it('masked keys get weight exactly 0, and their score is −∞; visible scores are finite', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        eachRow(r, (_h, _i, at, w) => {
          let visible = 0;
          for (let j = 0; j < r.Tk; j++) {
            const s = r.scores[at * r.Tk + j];
            if (s === -Infinity) expect(w[j]).toBe(0);
            else {
              expect(Number.isFinite(s)).toBe(true);
              visible++;
            }
          }
          expect(visible).toBe(r.visible[at]);
        });
      }),
    );
  });

  it('a pair blocked by a causal, window, padding or custom mask has weight 0', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        const blocked = (i: number, j: number) =>
          p.masks.some(
            (m) =>
              (m.id === 'causal' && j > i + m.offset) ||
              (m.id === 'window' && Math.abs(i - j) > m.size) ||
              (m.id === 'padding' && !m.keep[j]) ||
              (m.id === 'custom' && !m.allowed[i * r.Tk + j]),
          );
        eachRow(r, (_h, i, _at, w) => {
          for (let j = 0; j < r.Tk; j++) if (blocked(i, j)) expect(w[j]).toBe(0);
        });
      }),
    );
  });

  it('entropy lies in [0, ln n_i]; normalised entropy in [0, 1]; effective neighbours in [1, n_i] for non-empty rows', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        eachRow(r, (h, i, at) => {
          const n = r.visible[at];
          expect(r.entropy[at]).toBeGreaterThanOrEqual(0);
          expect(r.entropy[at]).toBeLessThanOrEqual(Math.log(Math.max(n, 1)) + TOLERANCE);
          expect(r.normEntropy[at]).toBeGreaterThanOrEqual(0);
          expect(r.normEntropy[at]).toBeLessThanOrEqual(1 + TOLERANCE);
          if (!isEmpty(r, h, i)) {
            expect(r.effective[at]).toBeGreaterThanOrEqual(1 - TOLERANCE);
            expect(r.effective[at]).toBeLessThanOrEqual(n + TOLERANCE);
          }
        });
      }),
    );
  });

  it('sparsemax rows sum to 1 with every weight ≥ 0', () => {
    fc.assert(
      fc.property(problemArb(['sparsemax']), (p) => {
        const r = referenceAttention(p);
        eachRow(r, (h, i, _at, w) => {
          for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
          if (!isEmpty(r, h, i)) expect(Math.abs(rowSum(w) - 1)).toBeLessThan(TOLERANCE);
        });
      }),
    );
  });

  it('kernel normaliser with an even-p polynomial: rows sum to 1 with weights ≥ 0, never an error', () => {
    const evenPolynomial = (s: Shape) =>
      fc.tuple(fc.constantFrom(2, 4), tauArb, fc.double({ min: -1, max: 1, noNaN: true })).map(([p, tau, r]): ResolvedMetric => ({ id: 'polynomial', a: 1 / s.d, r, p, tau }));
    fc.assert(
      fc.property(problemArb(['kernel'], evenPolynomial), (p) => {
        const r = referenceAttention(p);
        eachRow(r, (h, i, _at, w) => {
          for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
          if (!isEmpty(r, h, i)) expect(Math.abs(rowSum(w) - 1)).toBeLessThan(TOLERANCE);
        });
      }),
    );
  });

  it('the output of a row is a convex combination of value rows: inside their bounding box', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        const dv = r.dv;
        eachRow(r, (h, _i, at, w) => {
          for (let c = 0; c < dv; c++) {
            let lo = Infinity;
            let hi = -Infinity;
            for (let j = 0; j < r.Tk; j++) {
              if (w[j] === 0) continue;
              const x = p.v.data[j * p.v.cols + h * dv + c];
              lo = Math.min(lo, x);
              hi = Math.max(hi, x);
            }
            const out = r.output[at * dv + c];
            if (lo === Infinity) expect(out).toBe(0);
            else {
              expect(out).toBeGreaterThanOrEqual(lo - TOLERANCE);
              expect(out).toBeLessThanOrEqual(hi + TOLERANCE);
            }
          }
        });
      }),
    );
  });

  it('argmax is −1 exactly for empty rows, and otherwise points at the row maximum', () => {
    fc.assert(
      fc.property(softmaxOrSparsemax, (p) => {
        const r = referenceAttention(p);
        eachRow(r, (h, i, at, w) => {
          if (isEmpty(r, h, i)) expect(r.argmax[at]).toBe(-1);
          else {
            expect(w[r.argmax[at]]).toBe(Math.max(...w));
            expect(r.maxWeight[at]).toBe(Math.max(...w));
          }
        });
      }),
    );
  });
});
