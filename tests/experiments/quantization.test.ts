/**
 * Quantization sweep: per variant and head, JS divergence to full precision, top-1 agreement
 * and max |Δw|, derived here from the reference's own runs; more bits never hurt on average;
 * the engine agrees with the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { moduleOf, optionDefaults, runQuantization } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { jensenShannon } from '../../src-shared/stats';
import { engineContext, inputOf, referenceContext, sequenceJob, smallPool } from './helpers';

const T = 16;
const job = sequenceJob(T, 16, 23, { heads: 2, mask: [{ id: 'causal' }], metric: { id: 'dot', scale: 2 } });

describe('quantization sweep', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('defaults: 2…8 bits × tensor, channel, token, then float16 and bfloat16, on q and k', async () => {
    const o = optionDefaults(moduleOf('quantization'));
    expect(o).toEqual({ bits: [2, 3, 4, 5, 6, 7, 8], groups: ['tensor', 'channel', 'token'], floats: ['float16', 'bfloat16'], apply: ['q', 'k'] });
    const ctx = referenceContext();
    const r = await runQuantization(ctx, inputOf(job), o);
    expect(ctx.problems).toBe(1 + 7 * 3 + 2);
    expect(r.rows.map((x) => x.label).slice(0, 3)).toEqual(['int2 · tensor', 'int2 · channel', 'int2 · token']);
    expect(r.rows.at(-1)).toMatchObject({ label: 'bfloat16', format: 'bfloat16', bits: 16, group: null });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    for (const group of ['tensor', 'channel', 'token']) {
      const js = r.rows.filter((x) => x.group === group).map((x) => mean(x.js));
      // 8 bits are far closer to full precision than 2
      expect(js[6]).toBeLessThan(js[0] / 100);
    }
    for (const x of r.rows)
      for (let h = 0; h < 2; h++) {
        expect(x.js[h]).toBeGreaterThanOrEqual(0);
        expect(x.js[h]).toBeLessThanOrEqual(Math.LN2);
        expect(x.top1[h]).toBeGreaterThanOrEqual(0);
        expect(x.top1[h]).toBeLessThanOrEqual(1);
      }
  });

  it('each figure is what the two runs give: JS mean over rows, arg-max agreement, max |Δw|', async () => {
    const r = await runQuantization(referenceContext(), inputOf(job), { bits: [3], groups: ['token'], floats: [], apply: ['q', 'k'] });
    const full = referenceAttention(resolveJob(parseJobSpec(job)));
    const q = referenceAttention(resolveJob(parseJobSpec({ ...job, quantize: { id: 'int', bits: 3, group: 'token' } })));
    for (let h = 0; h < 2; h++) {
      let js = 0;
      let same = 0;
      let delta = 0;
      for (let i = 0; i < T; i++) {
        const at = h * T + i;
        js += jensenShannon(full.weights.subarray(at * T, (at + 1) * T), q.weights.subarray(at * T, (at + 1) * T)) / T;
        if (full.argmax[at] === q.argmax[at]) same++;
        for (let j = 0; j < T; j++) delta = Math.max(delta, Math.abs(full.weights[at * T + j] - q.weights[at * T + j]));
      }
      // the experiment reads float32 copies of the weights
      expect(r.rows[0].js[h]).toBeCloseTo(js, 6);
      expect(r.rows[0].top1[h]).toBe(same / T);
      expect(r.rows[0].maxDelta[h]).toBeCloseTo(delta, 6);
      expect(delta).toBeGreaterThan(0);
    }
  });

  it('the engine gives the reference figures', async () => {
    const o = { bits: [4, 8], groups: ['channel' as const], floats: ['float16' as const], apply: ['q' as const, 'k' as const, 'v' as const] };
    const eng = await runQuantization(engineContext(pool), inputOf(job), o);
    const ref = await runQuantization(referenceContext(), inputOf(job), o);
    for (let n = 0; n < ref.rows.length; n++) {
      for (let h = 0; h < 2; h++) {
        expect(Math.abs(eng.rows[n].js[h] - ref.rows[n].js[h])).toBeLessThan(1e-5);
        expect(Math.abs(eng.rows[n].maxDelta[h] - ref.rows[n].maxDelta[h])).toBeLessThan(1e-5);
      }
    }
  });

  it('refuses an empty sweep, naming the option', async () => {
    await expect(runQuantization(referenceContext(), inputOf(job), { bits: [8], groups: [], floats: [], apply: ['q'] })).rejects.toThrow(/^options\.groups: pick at least one/);
    await expect(runQuantization(referenceContext(), inputOf(job), { bits: [8], groups: ['tensor'], floats: [], apply: [] })).rejects.toThrow(/^options\.apply: /);
  });
});
