/**
 * Temperature sweep (SPEC §6): entropy per head and arg-max stability as τ moves from sharp
 * to flat, checked against what softmax(s/τ) must do: H → 0 as τ → 0, H → ln(n_i) as τ → ∞,
 * H increasing in τ, and an arg-max that never moves in exact arithmetic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { metricAtTau, runTemperature } from '../../src-shared/experiments';
import { engineContext, inputOf, referenceContext, sequenceJob, smallPool } from './helpers';

const T = 12;
const causalJob = sequenceJob(T, 8, 11, { heads: 2, mask: [{ id: 'causal' }] });

describe('temperature sweep', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('sweeps dot through scale "tau" (c = 1/τ) and every other score function through its own τ', () => {
    expect(metricAtTau(undefined, 0.5)).toEqual({ id: 'dot', scale: 'tau', tau: 0.5 });
    expect(metricAtTau({ id: 'dot', scale: 'none' }, 2)).toEqual({ id: 'dot', scale: 'tau', tau: 2 });
    expect(metricAtTau({ id: 'rbf', tau: 3 }, 0.1)).toEqual({ id: 'rbf', tau: 0.1 });
  });

  it('tiny τ: every row one-hot (entropy → 0); huge τ: every row uniform over its n_i keys (entropy → mean ln n_i)', async () => {
    const r = await runTemperature(referenceContext(), inputOf(causalJob), { taus: [1e5, 1e-4, 1] });
    expect(r.taus).toEqual([1e-4, 1, 1e5]);
    expect(r.heads).toBe(2);
    // causal: row i sees i + 1 keys, so the flat limit is the mean of ln(i + 1)
    let flat = 0;
    for (let i = 0; i < T; i++) flat += Math.log(i + 1) / T;
    for (let h = 0; h < 2; h++) {
      expect(r.flatEntropy[h]).toBeCloseTo(flat, 12);
      expect(r.rows[0].entropy[h]).toBeLessThan(1e-6);
      expect(r.rows[0].maxWeight[h]).toBeGreaterThan(1 - 1e-6);
      expect(Math.abs(r.rows[2].entropy[h] - flat)).toBeLessThan(1e-6);
    }
    // each row's own entropy too
    for (let h = 0; h < 2; h++) for (let i = 0; i < T; i++) expect(Math.abs(r.rows[2].rowEntropy[h * T + i] - Math.log(i + 1))).toBeLessThan(1e-5);
  });

  it('entropy rises with τ, and in float64 the arg-max never changes (every score is s/τ, monotone)', async () => {
    const taus = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 100];
    for (const metric of [{ id: 'dot' }, { id: 'cosine' }, { id: 'rbf' }]) {
      const r = await runTemperature(referenceContext(), inputOf({ ...causalJob, metric }), { taus });
      for (let t = 1; t < taus.length; t++) for (let h = 0; h < 2; h++) expect(r.rows[t].entropy[h]).toBeGreaterThan(r.rows[t - 1].entropy[h]);
      for (const row of r.rows) expect(row.argmaxChanged).toBe(0);
    }
  });

  it('the engine gives the reference entropies at every τ, and reports its own arg-max drift as a fraction', async () => {
    const job = { ...causalJob, metric: { id: 'cosine' } };
    const taus = [0.05, 0.1, 0.5, 1, 5, 10];
    const progress: number[] = [];
    const eng = await runTemperature(engineContext(pool, { onProgress: (f) => progress.push(f) }), inputOf(job), { taus });
    const ref = await runTemperature(referenceContext(), inputOf(job), { taus });
    expect(progress).toEqual([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
    for (let t = 0; t < taus.length; t++) {
      for (let h = 0; h < 2; h++) expect(Math.abs(eng.rows[t].entropy[h] - ref.rows[t].entropy[h])).toBeLessThan(1e-4);
      expect(eng.rows[t].argmaxChanged).toBeGreaterThanOrEqual(0);
      expect(eng.rows[t].argmaxChanged).toBeLessThanOrEqual(1);
    }
    // at ordinary temperatures float32 tells the best key apart as well as float64
    expect(eng.rows.slice(0, 4).every((row) => row.argmaxChanged === 0)).toBe(true);
    expect(eng.tokens.queries?.[0]).toBe('t0');
  });

  it('refuses a τ ≤ 0 and an empty list, naming the option', async () => {
    await expect(runTemperature(referenceContext(), inputOf(causalJob), { taus: [1, 0] })).rejects.toThrow(/options\.taus\.1: expected a τ > 0/);
    await expect(runTemperature(referenceContext(), inputOf(causalJob), { taus: [] })).rejects.toThrow(/options\.taus/);
  });

  it('stops between runs when cancelled', async () => {
    const controller = new AbortController();
    const ctx = referenceContext({ signal: controller.signal, onProgress: (f) => f > 0 && controller.abort() });
    await expect(runTemperature(ctx, inputOf(causalJob), { taus: [0.1, 1, 10] })).rejects.toMatchObject({ name: 'AbortError' });
    expect(ctx.problems).toBe(1);
  });
});
