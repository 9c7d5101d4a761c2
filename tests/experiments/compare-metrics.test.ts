/**
 * Compare metrics (SPEC §6): the same tokens under several score functions — weights side by
 * side, per-row Jensen–Shannon divergence, and each metric's top-k keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { runCompareMetrics } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { engineContext, inputOf, maxAbsDiff, referenceContext, sequenceJob, smallPool } from './helpers';

const T = 10;
const job = sequenceJob(T, 6, 21, { heads: 2, metric: { id: 'cosine', tau: 0.5 }, mask: [{ id: 'window', size: 3 }] });

/** JS(p, q) written out again: ½ Σ p ln(2p/(p+q)) + ½ Σ q ln(2q/(p+q)). */
function js(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < p.length; j++) {
    if (p[j] > 0) s += 0.5 * p[j] * Math.log((2 * p[j]) / (p[j] + q[j]));
    if (q[j] > 0) s += 0.5 * q[j] * Math.log((2 * q[j]) / (p[j] + q[j]));
  }
  return s;
}

describe('compare metrics', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('JS(a, a) = 0 on every row, and JS is symmetric and within [0, ln 2]', async () => {
    const r = await runCompareMetrics(referenceContext(), inputOf(job), { metrics: ['cosine', 'cosine', 'rbf', 'dot'], k: 2 });
    expect(Array.from(r.js[0][1]).every((x) => x === 0)).toBe(true);
    for (let a = 0; a < 4; a++) expect(Array.from(r.js[a][a]).every((x) => x === 0)).toBe(true);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        expect(Array.from(r.js[a][b])).toEqual(Array.from(r.js[b][a]));
        for (const x of r.js[a][b]) expect(x >= 0 && x <= Math.LN2 + 1e-7).toBe(true);
      }
    }
    // the symmetry is the divergence's own, not only the shared array: compute both orders by hand
    const wr = r.results[2].weights!;
    const wd = r.results[3].weights!;
    for (let x = 0; x < 2 * T; x++) {
      const p = wr.subarray(x * T, (x + 1) * T);
      const q = wd.subarray(x * T, (x + 1) * T);
      expect(Math.abs(js(p, q) - js(q, p))).toBeLessThan(1e-15);
      expect(Math.abs(r.js[2][3][x] - js(p, q))).toBeLessThan(1e-6);
    }
    expect(Math.max(...r.js[2][3])).toBeGreaterThan(1e-3);
  });

  it('the JobSpec’s own metric keeps its parameters; the others run with their defaults', async () => {
    const r = await runCompareMetrics(referenceContext(), inputOf(job), { metrics: ['cosine', 'rbf'], k: 3 });
    const own = referenceAttention(resolveJob(parseJobSpec(job)));
    const rbf = referenceAttention(resolveJob(parseJobSpec({ ...job, metric: { id: 'rbf' } })));
    expect(maxAbsDiff(r.results[0].weights!, own.weights)).toBe(0);
    expect(maxAbsDiff(r.results[1].weights!, rbf.weights)).toBe(0);
  });

  it('top-k: each metric’s k heaviest keys per row, heaviest first, ties to the lower index, −1 past the visible keys', async () => {
    const k = 4;
    const r = await runCompareMetrics(referenceContext(), inputOf(job), { metrics: ['dot', 'laplacian'], k });
    expect(r.k).toBe(k);
    for (let m = 0; m < 2; m++) {
      const w = r.results[m].weights!;
      for (let x = 0; x < 2 * T; x++) {
        const row = Array.from(w.subarray(x * T, (x + 1) * T));
        const visible = row.map((v, j) => [v, j] as const).filter(([v]) => v > 0);
        const order = visible.sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, j]) => j);
        const expected = Array.from({ length: k }, (_, i) => order[i] ?? -1);
        expect(Array.from(r.topk[m].subarray(x * k, (x + 1) * k))).toEqual(expected);
      }
    }
    // window 3 at row 0 sees keys 0..3 only: exactly 4, all ranked
    expect(Array.from(r.topk[0].subarray(0, k)).every((j) => j >= 0 && j <= 3)).toBe(true);
  });

  it('the engine: weights, divergences and top-k agree with the float64 reference', async () => {
    const options = { metrics: ['dot', 'cosine', 'rbf'], k: 3 };
    const progress: number[] = [];
    const eng = await runCompareMetrics(engineContext(pool, { onProgress: (f) => progress.push(f) }), inputOf(job), options);
    const ref = await runCompareMetrics(referenceContext(), inputOf(job), options);
    expect(progress.at(-1)).toBe(1);
    expect([eng.heads, eng.Tq, eng.Tk]).toEqual([2, T, T]);
    for (let m = 0; m < 3; m++) {
      expect(maxAbsDiff(eng.results[m].weights!, ref.results[m].weights!)).toBeLessThan(1e-5);
      expect(Array.from(eng.topk[m])).toEqual(Array.from(ref.topk[m]));
      for (let b = 0; b < 3; b++) expect(maxAbsDiff(eng.js[m][b], ref.js[m][b])).toBeLessThan(1e-5);
    }
    expect(eng.tokens.keys?.[3]).toBe('t3');
  });

  it('caps k at the number of keys and refuses unknown score functions, naming the option', async () => {
    const r = await runCompareMetrics(referenceContext(), inputOf(job), { metrics: ['dot'], k: 50 });
    expect(r.k).toBe(T);
    await expect(runCompareMetrics(referenceContext(), inputOf(job), { metrics: ['dot', 'nope'], k: 2 })).rejects.toThrow(/options\.metrics\.1: unknown score function "nope"/);
  });
});
