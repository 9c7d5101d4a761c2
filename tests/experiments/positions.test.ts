/**
 * Positions: mean weight against relative distance per head, and RoPE's long-range bound
 * (Su et al. 2021) computed from its definition; ALiBi's steeper heads favour near keys.
 */
import { describe, expect, it } from 'vitest';
import { engineContext, smallPool } from './helpers';
import { ropeLongRangeBound, runPositions } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { inputOf, referenceContext, sequenceJob } from './helpers';

const T = 24;
const job = sequenceJob(T, 16, 5, { heads: 2, mask: [{ id: 'causal' }] });

describe('positions experiment', () => {
  it('mean weight at each distance i − j is the mean over the visible pairs at that distance', async () => {
    const spec = { ...job, position: { id: 'rope', dims: 8 } };
    const r = await runPositions(referenceContext(), inputOf(spec), { maxDistance: 5 });
    // causal: distances 0…5 only (negative ones are masked everywhere)
    expect(r.distances).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]);
    const ref = referenceAttention(resolveJob(parseJobSpec(spec)));
    for (let h = 0; h < 2; h++) {
      expect(r.meanWeight[h].slice(0, 5)).toEqual([null, null, null, null, null]);
      for (const d of [0, 3]) {
        let s = 0;
        for (let i = d; i < T; i++) s += ref.weights[(h * T + i) * T + i - d];
        expect(r.meanWeight[h][r.distances.indexOf(d)]).toBeCloseTo(s / (T - d), 12);
      }
    }
    expect(r.rope).toEqual({ base: 10000, dims: 8 });
    expect(r.position).toBe('rope');
  });

  it('RoPE’s bound: (1/(d/2))·Σ_l |Σ_{r<l} e^{i·n·θ_r}|, (d/2 + 1)/2 at distance 0, decaying far away', () => {
    expect(ropeLongRangeBound(0, 10000, 8)).toBeCloseTo(2.5, 12);
    // by hand for dims = 2: one frequency θ_0 = 1, |S_1| = 1 at every distance
    expect(ropeLongRangeBound(7, 10000, 2)).toBeCloseTo(1, 12);
    // dims = 4, base 100: θ = 1, 0.1; S_1 = 1, S_2 = e^{i n} + e^{i n/10}
    const n = 3;
    expect(ropeLongRangeBound(n, 100, 4)).toBeCloseTo((1 + Math.hypot(Math.cos(n) + Math.cos(n / 10), Math.sin(n) + Math.sin(n / 10))) / 2, 12);
    const near = ropeLongRangeBound(1, 10000, 64);
    const far = ropeLongRangeBound(1000, 10000, 64);
    expect(far).toBeLessThan(near / 2);
  });

  it('ALiBi: the steeper head puts more weight on distance 0 than the flatter one', async () => {
    const r = await runPositions(referenceContext(), inputOf({ ...job, metric: { id: 'dot', scale: 0.01 }, position: { id: 'alibi', slopes: [2, 0.01] } }), { maxDistance: 30 });
    const at0 = r.distances.indexOf(0);
    expect(r.meanWeight[0][at0]!).toBeGreaterThan(0.8);
    expect(r.meanWeight[0][at0]!).toBeGreaterThan(r.meanWeight[1][at0]!);
    // without RoPE in the job, the bound is drawn for base 10000 and the head width
    expect(r.rope).toEqual({ base: 10000, dims: 8 });
    expect(r.distances.at(-1)).toBe(T - 1);
  });

  it('the engine (worker pool) carries ALiBi and RoPE to the workers and gives the reference means', async () => {
    const pool = smallPool();
    try {
      for (const position of [{ id: 'alibi' }, { id: 'rope', layout: 'interleaved' }]) {
        const spec = { ...job, position };
        const eng = await runPositions(engineContext(pool), inputOf(spec), { maxDistance: 10 });
        const ref = await runPositions(referenceContext(), inputOf(spec), { maxDistance: 10 });
        for (let h = 0; h < 2; h++) {
          ref.meanWeight[h].forEach((w, n) => (w === null ? expect(eng.meanWeight[h][n]).toBeNull() : expect(Math.abs(eng.meanWeight[h][n]! - w)).toBeLessThan(1e-5)));
        }
      }
    } finally {
      await pool.close();
    }
  });
});
