import { describe, expect, it } from 'vitest';
import { headBlocked, headSlice, poolMatrix } from '../../src-shared/charts/pool';
import { poolOverview } from '../../src-shared/reference';
import type { AttentionResult } from '../../src-shared/job/problem';
import { gaussianMatrix } from '../../src-shared/random';
import { randomResult } from './helpers';

const NEG = -Infinity;

describe('poolMatrix', () => {
  it('leaves a matrix within the budget as it is (1×1 blocks)', () => {
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const p = poolMatrix(v, 2, 3, 10, 10, 'mean');
    expect(p).toMatchObject({ rows: 2, cols: 3, blockRows: 1, blockCols: 1 });
    expect(Array.from(p.values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(p.blocked)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('pools a 4×4 matrix into 2×2 blocks by mean and by max', () => {
    // prettier-ignore
    const v = Float32Array.from([
      1, 2,   3, 4,
      5, 6,   7, 8,
      9, 10,  11, 12,
      13, 14, 15, 16,
    ]);
    const mean = poolMatrix(v, 4, 4, 2, 2, 'mean');
    expect(mean).toMatchObject({ rows: 2, cols: 2, blockRows: 2, blockCols: 2 });
    expect(Array.from(mean.values)).toEqual([3.5, 5.5, 11.5, 13.5]);
    expect(Array.from(poolMatrix(v, 4, 4, 2, 2, 'max').values)).toEqual([6, 8, 14, 16]);
  });

  it('uses blocks of ceil(rows/maxRows) × ceil(cols/maxCols), the last one smaller (docs: overview)', () => {
    const v = Float32Array.from({ length: 5 * 7 }, (_, k) => k);
    const p = poolMatrix(v, 5, 7, 2, 3, 'max');
    // br = ceil(5/2) = 3, bc = ceil(7/3) = 3 → ceil(5/3) × ceil(7/3) = 2 × 3
    expect(p).toMatchObject({ rows: 2, cols: 3, blockRows: 3, blockCols: 3 });
    // block (1, 2) covers rows 3–4, column 6 only: max = 4·7 + 6
    expect(p.values[1 * 3 + 2]).toBe(34);
  });

  it('agrees with the reference overview on weights (mean and max), except that an all-masked block is drawn as masked', () => {
    const r = randomResult(23, { masks: [{ id: 'causal', offset: 0 }] });
    for (const pool of ['mean', 'max'] as const) {
      const ref = poolOverview(Float64Array.from(r.weights!), 1, 23, 23, { rows: 5, cols: 4, pool });
      const mine = poolMatrix(r.weights!, 23, 23, 5, 4, pool, headBlocked(r, 0));
      expect([mine.rows, mine.cols]).toEqual([ref.rows, ref.cols]);
      let masked = 0;
      for (let k = 0; k < mine.values.length; k++) {
        if (mine.blocked[k] === 1) {
          // the overview says 0 (every weight in it is 0); the chart says "masked"
          expect([mine.values[k], ref.data[k]]).toEqual([-Infinity, 0]);
          masked++;
        } else {
          expect(mine.values[k]).toBeCloseTo(ref.data[k], 6);
        }
      }
      expect(masked).toBeGreaterThan(0);
    }
  });

  it('max ignores blocked (−∞) scores, mean averages the visible ones, an all-blocked block stays −∞', () => {
    // prettier-ignore
    const s = Float32Array.from([
      1, NEG,   NEG, NEG,
      3, NEG,   NEG, NEG,
    ]);
    const max = poolMatrix(s, 2, 4, 1, 2, 'max');
    expect(Array.from(max.values)).toEqual([3, NEG]);
    expect(Array.from(max.blocked)).toEqual([0.5, 1]);
    expect(Array.from(poolMatrix(s, 2, 4, 1, 2, 'mean').values)).toEqual([2, NEG]);
  });

  it('pools ragged blocks of a matrix with −∞, +∞, NaN and flagged cells as the definition says, cell for cell', () => {
    // the definition, block by block (the docs' "overview", and this file's header): what poolMatrix must equal
    const oracle = (v: Float32Array, rows: number, cols: number, br: number, bc: number, mode: 'mean' | 'max', flags?: Uint8Array) => {
      const out: number[] = [];
      const frac: number[] = [];
      for (let i0 = 0; i0 < rows; i0 += br) {
        for (let j0 = 0; j0 < cols; j0 += bc) {
          const cells: { x: number; blocked: boolean }[] = [];
          for (let i = i0; i < Math.min(rows, i0 + br); i++)
            for (let j = j0; j < Math.min(cols, j0 + bc); j++) cells.push({ x: v[i * cols + j], blocked: v[i * cols + j] === -Infinity || flags?.[i * cols + j] === 1 });
          const finite = cells.filter((c) => Number.isFinite(c.x));
          const open = finite.filter((c) => !c.blocked);
          const nBlocked = cells.filter((c) => c.blocked).length;
          const all = nBlocked === cells.length || finite.length === 0;
          out.push(all ? -Infinity : mode === 'max' ? Math.max(-Infinity, ...open.map((c) => c.x)) : finite.reduce((a, c) => a + c.x, 0) / finite.length);
          frac.push(nBlocked / cells.length);
        }
      }
      return { out, frac };
    };
    const rows = 37;
    const cols = 53;
    const v = Float32Array.from(gaussianMatrix(7, 'pool/ragged', rows, cols, 1));
    // a causal corner of −∞, one +∞, one NaN, and a fully blocked first block
    for (let i = 0; i < rows; i++) for (let j = i + 20; j < cols; j++) v[i * cols + j] = -Infinity;
    v[5 * cols + 3] = Infinity;
    v[9 * cols + 11] = NaN;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) v[i * cols + j] = -Infinity;
    const flags = Uint8Array.from({ length: rows * cols }, (_, k) => (k % 7 === 3 ? 1 : 0));
    for (const mode of ['mean', 'max'] as const) {
      for (const blocked of [undefined, flags]) {
        // 37 rows into ≤ 10 → blocks of 4 (the last of 1); 53 columns into ≤ 9 → blocks of 6 (the last of 5)
        const p = poolMatrix(v, rows, cols, 10, 9, mode, blocked);
        expect([p.rows, p.cols, p.blockRows, p.blockCols]).toEqual([10, 9, 4, 6]);
        const want = oracle(v, rows, cols, 4, 6, mode, blocked);
        expect(Array.from(p.values)).toEqual(want.out.map((x) => Math.fround(x)));
        expect(Array.from(p.blocked)).toEqual(want.frac.map((x) => Math.fround(x)));
        expect(p.values[0]).toBe(-Infinity);
      }
    }
  });

  it('mean counts blocked weights (which hold 0) as 0, as the overview does; max ignores them', () => {
    const w = Float32Array.from([1, 0, 0, 0]);
    const blocked = Uint8Array.from([0, 1, 1, 1]);
    expect(poolMatrix(w, 2, 2, 1, 1, 'mean', blocked).values[0]).toBe(0.25);
    expect(poolMatrix(w, 2, 2, 1, 1, 'max', blocked).values[0]).toBe(1);
    expect(poolMatrix(w, 2, 2, 1, 1, 'mean', blocked).blocked[0]).toBe(0.75);
  });
});

describe('headSlice', () => {
  const r: AttentionResult = {
    ...randomResult(3, { heads: 2 }),
  };

  it('returns head h as the Tq×Tk block at offset h·Tq·Tk (head-major layout)', () => {
    const s = headSlice(r, 1, 'weights');
    expect(s.length).toBe(9);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(s[i * 3 + j]).toBe(r.weights![(1 * 3 + i) * 3 + j]);
  });

  it('says which matrix is missing or which head does not exist', () => {
    expect(() => headSlice({ ...r, scores: undefined }, 0, 'scores')).toThrow(/no scores/);
    expect(() => headSlice(r, 2, 'weights')).toThrow(/head 2 does not exist.*2 heads/);
  });

  it('headBlocked reads the masked pairs from the scores, and is null without them', () => {
    const c = randomResult(3, { masks: [{ id: 'causal', offset: 0 }] });
    expect(Array.from(headBlocked(c, 0)!)).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0]);
    expect(headBlocked({ ...c, scores: undefined }, 0)).toBeNull();
  });
});
