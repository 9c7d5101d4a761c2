/**
 * The ranking experiment: softmax, rank and sinkhorn on one job. Its numbers are checked
 * against the reference's own runs of each normaliser and against facts of the formulas
 * (rank and softmax pick the same top-1 key; sinkhorn's columns end near Tq/Tk; every
 * normaliser's column sums add up to the non-empty rows), on the reference and the engine.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { moduleOf, runRanking, tableCsv } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { referenceAttention } from '../../src-shared/reference';
import { engineContext, inputOf, referenceContext, sequenceJob, smallPool } from './helpers';

const job = sequenceJob(7, 6, 17, { heads: 2, mask: [{ id: 'causal' }], metric: { id: 'dot', scale: 'none' } });

describe('ranking experiment', () => {
  const pool = smallPool();
  afterAll(() => pool.close());

  it('entropy and top-1 per normaliser are the reference runs of that normaliser', async () => {
    const ctx = referenceContext();
    const r = await runRanking(ctx, inputOf(job), { tau: 0.5, iterations: 30 });
    expect(ctx.problems).toBe(3);
    expect(r.normalizers).toEqual(['softmax', 'rank', 'sinkhorn']);
    const normalizers = ['softmax', { id: 'rank', tau: 0.5 }, { id: 'sinkhorn', iterations: 30 }] as const;
    normalizers.forEach((normalizer, n) => {
      const ref = referenceAttention(resolveJob(inputOf({ ...job, normalizer }).spec));
      for (let x = 0; x < ref.entropy.length; x++) expect(Math.abs(r.entropy[n][x] - ref.entropy[x])).toBeLessThan(1e-6);
      expect(Array.from(r.top1[n])).toEqual(Array.from(ref.argmax));
    });
    // rank 0 is the best score: rank and softmax always agree on the top-1 key
    expect(r.agreement[0][1]).toEqual([1, 1]);
    expect(r.agreement[1][0]).toEqual([1, 1]);
    // causal self-attention: every row is non-empty, so the column sums of each normaliser total Tq
    for (const sums of r.columnSums) for (let h = 0; h < 2; h++) expect(sums.subarray(h * 7, (h + 1) * 7).reduce((a, b) => a + b, 0)).toBeCloseTo(7, 5);
    const sinkhorn = referenceAttention(resolveJob(inputOf({ ...job, normalizer: normalizers[2] }).spec));
    expect(r.columnDeviation).toBe(sinkhorn.columnDeviation);
    // under causal masking a triangle balances only slowly: 30 rounds leave a gap
    expect(r.columnDeviation).toBeGreaterThan(1e-3);
  });

  it('sinkhorn balances the columns on a full matrix; the engine agrees with the reference', async () => {
    const full = sequenceJob(6, 4, 5, { heads: 1 });
    const ref = await runRanking(referenceContext(), inputOf(full), { tau: 1, iterations: 50 });
    const got = await runRanking(engineContext(pool), inputOf(full), { tau: 1, iterations: 50 });
    expect(ref.columnDeviation).toBeLessThan(1e-6);
    for (const s of ref.columnSums[2]) expect(Math.abs(s - 1)).toBeLessThan(1e-6);
    // softmax does not balance its columns
    expect(Math.max(...ref.columnSums[0].map((s) => Math.abs(s - 1)))).toBeGreaterThan(0.05);
    for (let n = 0; n < 3; n++) {
      for (let x = 0; x < ref.entropy[n].length; x++) expect(Math.abs(got.entropy[n][x] - ref.entropy[n][x])).toBeLessThan(1e-5);
      for (let x = 0; x < ref.columnSums[n].length; x++) expect(Math.abs(got.columnSums[n][x] - ref.columnSums[n][x])).toBeLessThan(1e-5);
    }
    expect(got.agreement).toEqual(ref.agreement);
  });

  it('table: entropy and top-1 rows per query, column-sum rows per key; chart: two panels', async () => {
    const r = await runRanking(referenceContext(), inputOf(job), { tau: 1, iterations: 20 });
    const m = moduleOf('ranking');
    const lines = tableCsv(m.table(r)).split('\r\n').slice(0, -1);
    expect(lines[0]).toBe('head,quantity,index,token,softmax,rank,sinkhorn');
    expect(lines.length).toBe(1 + 2 * (7 + 7 + 7));
    expect(lines.filter((l) => l.startsWith('0,top1,')).length).toBe(7);
    expect(lines.find((l) => l.startsWith('0,top1,0,'))).toBe('0,top1,0,t0,0,0,0');
    const option = m.chart(r, { width: 800, height: 400, theme: 'light', view: { head: 1 } }) as { series: unknown[]; grid: unknown[] };
    expect(option.grid.length).toBe(2);
    expect(option.series.length).toBe(6);
  });
});
