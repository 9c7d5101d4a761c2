/**
 * Scaling (SPEC §6): unscaled dot-product attention collapses to the arg-max as the width
 * grows, scaled attention does not. The expected entropies are derived independently:
 * given a query q, the scores q·k_j of independent standard Gaussian keys are i.i.d.
 * N(0, ‖q‖²) (unscaled) or N(0, ‖q‖²/dim) (scaled), with ‖q‖² ~ χ²(dim); a float64
 * Monte-Carlo over that model gives E[H] (≈ ln n − 1/2 scaled, for large n), and numpy
 * checks the model against the plain Q·Kᵀ simulation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import type { CpuPool } from '../../src-main/engine/pool';
import { runScaling, scalingMatrix, type ScalingResult } from '../../src-shared/experiments';
import { gaussianMatrix, Rng } from '../../src-shared/random';
import { engineContext, referenceContext, smallPool } from './helpers';

/** SPEC §6's sweep: widths 256 … 16384, n = 64, 5 trials, seed 0. */
const SPEC_SWEEP = { dims: [256, 512, 1024, 2048, 4096, 8192, 16384], n: 64, trials: 5, seed: 0 };

/** Gamma(shape, 1) by Marsaglia–Tsang (shape ≥ 1). */
function gamma(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.gaussian();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** E[row entropy] of softmax over n i.i.d. N(0, σ²) scores with σ² = scale²·χ²(dim), by Monte-Carlo in float64. */
function expectedEntropy(n: number, dim: number, scaled: boolean, samples: number, seed: number): number {
  const rng = new Rng(seed, `test/scaling-mc/${dim}/${scaled}`);
  const s = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < samples; t++) {
    const norm2 = 2 * gamma(rng, dim / 2); // ‖q‖² ~ χ²(dim)
    const sigma = Math.sqrt(scaled ? norm2 / dim : norm2);
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      s[j] = sigma * rng.gaussian();
      m = Math.max(m, s[j]);
    }
    let z = 0;
    let ws = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(s[j] - m);
      z += e;
      ws += e * (s[j] - m);
    }
    // H = ln Z − Σ w s  (shifted by the max)
    total += Math.log(z) - ws / z;
  }
  return total / samples;
}

function numpyAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('scaling: mean row entropy with and without 1/sqrt(dim)', () => {
  let pool: CpuPool;
  let engine: ScalingResult;
  const progress: number[] = [];
  beforeAll(async () => {
    pool = smallPool();
    engine = await runScaling(engineContext(pool, { onProgress: (f) => progress.push(f) }), SPEC_SWEEP);
  }, 240_000);
  afterAll(async () => {
    await pool.close();
  });

  it('reports one row {dim, unscaled, scaled, max = ln n} per width, in order, with progress up to 1', () => {
    expect(engine.rows.map((r) => r.dim)).toEqual(SPEC_SWEEP.dims);
    for (const r of engine.rows) expect(r.max).toBeCloseTo(Math.log(64), 12);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBe(1 + SPEC_SWEEP.dims.length * SPEC_SWEEP.trials * 2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
  });

  it('unscaled entropy falls monotonically with dim and is below 0.5 nats at dim 16384 (engine)', () => {
    for (let i = 1; i < engine.rows.length; i++) expect(engine.rows[i].unscaled).toBeLessThan(engine.rows[i - 1].unscaled);
    expect(engine.rows.at(-1)!.unscaled).toBeLessThan(0.5);
    expect(engine.rows[0].unscaled).toBeLessThan(engine.rows[0].scaled / 4);
  });

  it('scaled entropy stays within 0.1 of its expected value (Monte-Carlo over the score model) at every dim (engine)', () => {
    for (const r of engine.rows) {
      const expected = expectedEntropy(64, r.dim, true, 10_000, 1);
      // the large-n limit ln n − 1/2 is within a few hundredths of the finite-n value
      expect(Math.abs(expected - (Math.log(64) - 0.5))).toBeLessThan(0.05);
      expect(Math.abs(r.scaled - expected), `dim ${r.dim}: scaled ${r.scaled} vs expected ${expected}`).toBeLessThan(0.1);
    }
  });

  it('unscaled entropy matches its Monte-Carlo expectation within 0.1 at every dim (engine)', () => {
    for (const r of engine.rows) {
      const expected = expectedEntropy(64, r.dim, false, 10_000, 2);
      expect(Math.abs(r.unscaled - expected), `dim ${r.dim}: unscaled ${r.unscaled} vs expected ${expected}`).toBeLessThan(0.1);
    }
  });

  it('the float64 reference: scaled near its expectation, and the engine gives the same numbers as the engine on the same random matrices', async () => {
    const options = { dims: [256, 1024], n: 32, trials: 2, seed: 3 };
    const ref = await runScaling(referenceContext(), options);
    const eng = await runScaling(engineContext(pool), options);
    for (let i = 0; i < 2; i++) {
      expect(Math.abs(ref.rows[i].scaled - expectedEntropy(32, options.dims[i], true, 10_000, 1))).toBeLessThan(0.1);
      expect(Math.abs(eng.rows[i].scaled - ref.rows[i].scaled)).toBeLessThan(1e-4);
      expect(Math.abs(eng.rows[i].unscaled - ref.rows[i].unscaled)).toBeLessThan(1e-3);
    }
  });

  it('draws its matrices from the documented streams (seed, "scaling/q|k/dim{dim}/trial{t}")', () => {
    expect(Array.from(scalingMatrix(7, 'q', 8, 2, 3))).toEqual(Array.from(Float32Array.from(gaussianMatrix(7, 'scaling/q/dim8/trial2', 3, 8, 1))));
    expect(Array.from(scalingMatrix(7, 'k', 8, 0, 3))).toEqual(Array.from(Float32Array.from(gaussianMatrix(7, 'scaling/k/dim8/trial0', 3, 8, 1))));
  });

  it('is deterministic in the seed and differs between seeds', async () => {
    const a = await runScaling(referenceContext(), { dims: [16], n: 8, trials: 2, seed: 5 });
    const b = await runScaling(referenceContext(), { dims: [16], n: 8, trials: 2, seed: 5 });
    const c = await runScaling(referenceContext(), { dims: [16], n: 8, trials: 2, seed: 6 });
    expect(a).toEqual(b);
    expect(c.rows[0].scaled).not.toBe(a.rows[0].scaled);
  });

  it('refuses options past the limits, naming the field', async () => {
    const ctx = referenceContext();
    await expect(runScaling(ctx, { dims: [70000], n: 4, trials: 1, seed: 0 })).rejects.toThrow(/options\.dims\.0: expected an integer from 1 to 65536/);
    await expect(runScaling(ctx, { dims: [65536], n: 4096, trials: 1, seed: 0 })).rejects.toThrow(/options\.n: .*use n ≤ 256/);
    await expect(runScaling(ctx, { dims: [8], n: 4, trials: 0, seed: 0 })).rejects.toThrow(/options\.trials/);
    expect(ctx.problems).toBe(0);
  });

  it('stops between runs when cancelled', async () => {
    const controller = new AbortController();
    const ctx = referenceContext({ signal: controller.signal, onProgress: (f) => f > 0 && controller.abort() });
    await expect(runScaling(ctx, { dims: [8, 16, 32], n: 8, trials: 3, seed: 0 })).rejects.toMatchObject({ name: 'AbortError' });
    expect(ctx.problems).toBe(1);
  });

  it.skipIf(!numpyAvailable())('numpy: the score model agrees with simulating Q·Kᵀ directly', { timeout: 120_000 }, () => {
    const script = `
import numpy as np, json, sys
rng = np.random.default_rng(0)
out = {}
for dim in (256, 4096):
    for scaled in (True, False):
        hs = []
        for _ in range(20):
            q = rng.standard_normal((64, dim)); k = rng.standard_normal((64, dim))
            s = q @ k.T / (np.sqrt(dim) if scaled else 1.0)
            s -= s.max(axis=1, keepdims=True)
            w = np.exp(s); w /= w.sum(axis=1, keepdims=True)
            hs.append(-(w * np.log(np.where(w > 0, w, 1))).sum(axis=1).mean())
        out[f"{dim}-{scaled}"] = float(np.mean(hs))
print(json.dumps(out))`;
    const numpy = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' })) as Record<string, number>;
    for (const dim of [256, 4096]) {
      expect(Math.abs(numpy[`${dim}-True`] - expectedEntropy(64, dim, true, 10_000, 1))).toBeLessThan(0.03);
      expect(Math.abs(numpy[`${dim}-False`] - expectedEntropy(64, dim, false, 10_000, 2))).toBeLessThan(0.05);
    }
  });
});
