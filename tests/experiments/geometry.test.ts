/**
 * Geometry (SPEC §6): queries and keys in the plane of their joint PCA (the raw points for
 * 2-D data), arrows from the chosen query to its keys with their weights, and the output as
 * the weighted centroid of the value points.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { runGeometry } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { Rng } from '../../src-shared/random';
import { engineContext, gaussianVectors, inputOf, referenceContext, smallPool, TOY } from './helpers';

const toyKeys = (TOY.keys as { inline: { vectors: number[][] } }).inline.vectors;
const f32 = (p: number[]) => p.map(Math.fround);

function centroidOf(view: { arrows: { key: number; weight: number }[]; values: [number, number][] }): [number, number] {
  const c: [number, number] = [0, 0];
  for (const a of view.arrows) {
    c[0] += a.weight * view.values[a.key][0];
    c[1] += a.weight * view.values[a.key][1];
  }
  return c;
}

/** Points a·u + b·w on a plane through `origin` in 5-D (u, w orthonormal): PCA must keep their distances. */
function planarJob(n: number): JobSpec {
  const u = [1, 2, 0, -1, 1].map((x) => x / Math.sqrt(7));
  const w0 = [0, 1, 3, 2, 0];
  const dot = w0.reduce((s, x, i) => s + x * u[i], 0);
  const w1 = w0.map((x, i) => x - dot * u[i]);
  const norm = Math.hypot(...w1);
  const w = w1.map((x) => x / norm);
  const rng = new Rng(4, 'test/planar');
  const point = () => {
    const a = 3 * rng.gaussian();
    const b = rng.gaussian();
    return u.map((x, i) => 0.5 + a * x + b * w[i]);
  };
  return {
    queries: { inline: { vectors: Array.from({ length: n }, point) } },
    keys: { inline: { vectors: Array.from({ length: n }, point) } },
    metric: { id: 'rbf', tau: 2 },
  };
}

describe('geometry', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('2-D data: exactly the raw points, values = keys, the centroid exactly weights·V', async () => {
    const g = await runGeometry(referenceContext(), inputOf(TOY), { query: 0 });
    expect(g.projected).toBe(false);
    expect(g.valuesPlane).toBe('raw');
    expect(g.queries).toEqual([f32([0.8, 0.15])]);
    expect(g.keys).toEqual(toyKeys.map(f32));
    expect(g.values).toEqual(toyKeys.map(f32));
    expect(g.explained[0] + g.explained[1]).toBeCloseTo(1, 12);
    expect(g.arrows.map((a) => a.key)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(g.arrows.reduce((s, a) => s + a.weight, 0)).toBeCloseTo(1, 12);
    expect(g.centroid).toEqual(centroidOf(g));
    // and it is the attention output: Σ_j w_j v_j from the float64 reference
    const ref = referenceAttention(resolveJob(parseJobSpec(TOY)));
    expect(Math.abs(g.centroid[0] - ref.output[0])).toBeLessThan(1e-12);
    expect(Math.abs(g.centroid[1] - ref.output[1])).toBeLessThan(1e-12);
    expect(Array.from(g.output)).toEqual(Array.from(ref.output));
    // the "a" keys (near the query) get the big arrows
    expect(g.arrows.slice(0, 3).every((a) => a.weight > 0.2)).toBe(true);
  });

  it('the engine: the same raw points, arrows within 1e-6 of the reference, centroid = weights·V', async () => {
    const g = await runGeometry(engineContext(pool), inputOf(TOY), { query: 0 });
    const ref = await runGeometry(referenceContext(), inputOf(TOY), { query: 0 });
    expect(g.queries).toEqual(ref.queries);
    expect(g.keys).toEqual(ref.keys);
    for (let j = 0; j < 6; j++) expect(Math.abs(g.arrows[j].weight - ref.arrows[j].weight)).toBeLessThan(1e-6);
    expect(g.centroid).toEqual(centroidOf(g));
    expect(Math.abs(g.centroid[0] - g.output[0])).toBeLessThan(1e-6);
    expect(Math.abs(g.centroid[1] - g.output[1])).toBeLessThan(1e-6);
  });

  it('points on a plane in 5-D: PCA keeps every distance, explains all the variance, and projects the values into the same plane', async () => {
    const job = planarJob(12);
    const g = await runGeometry(referenceContext(), inputOf(job), { query: 3 });
    expect(g.projected).toBe(true);
    expect(g.valuesPlane).toBe('joint');
    expect(g.explained[0]).toBeGreaterThan(g.explained[1]);
    expect(g.explained[0] + g.explained[1]).toBeCloseTo(1, 5);
    const raw = [...(job.queries as { inline: { vectors: number[][] } }).inline.vectors, ...(job.keys as { inline: { vectors: number[][] } }).inline.vectors].map(f32);
    const flat = [...g.queries, ...g.keys];
    for (let a = 0; a < raw.length; a++) {
      for (let b = a + 1; b < raw.length; b++) {
        const d5 = Math.hypot(...raw[a].map((x, i) => x - raw[b][i]));
        const d2 = Math.hypot(flat[a][0] - flat[b][0], flat[a][1] - flat[b][1]);
        expect(Math.abs(d5 - d2)).toBeLessThan(1e-5);
      }
    }
    // values are the keys here, so they land on the keys' points; the centroid is Σ w·value point
    expect(g.values).toEqual(g.keys);
    expect(g.centroid).toEqual(centroidOf(g));
  });

  it('values of another width get a plane of their own; head 1 uses its own columns', async () => {
    const job: JobSpec = {
      queries: { inline: { vectors: gaussianVectors(6, 8, 1) } },
      keys: { inline: { vectors: gaussianVectors(6, 8, 2) } },
      values: { inline: { vectors: gaussianVectors(6, 6, 3) } },
      heads: 2,
    };
    const g = await runGeometry(referenceContext(), inputOf(job), { query: 5, head: 1 });
    expect(g.valuesPlane).toBe('own');
    expect(g.head).toBe(1);
    const ref = referenceAttention(resolveJob(parseJobSpec(job)));
    const w = ref.weights.subarray((1 * 6 + 5) * 6, (1 * 6 + 6) * 6);
    g.arrows.forEach((a) => expect(Math.abs(a.weight - w[a.key])).toBeLessThan(1e-12));
    expect(Array.from(g.output)).toEqual(Array.from(ref.output.subarray((6 + 5) * 3, (6 + 6) * 3)));
  });

  it('a masked query row: no arrows, an empty-row flag, the centroid at the origin; masks follow the chosen row', async () => {
    const job: JobSpec = { ...TOY, mask: [{ id: 'padding', trailing: 6 }] };
    const g = await runGeometry(referenceContext(), inputOf(job), { query: 0 });
    expect(g.emptyRow).toBe(true);
    expect(g.arrows).toEqual([]);
    expect(g.centroid).toEqual([0, 0]);
    const seq: JobSpec = { embeddings: { inline: { vectors: gaussianVectors(7, 2, 9) } }, mask: [{ id: 'window', size: 1 }, { id: 'causal' }] };
    const s = await runGeometry(referenceContext(), inputOf(seq), { query: 4 });
    expect(s.arrows.map((a) => a.key)).toEqual([3, 4]);
  });

  it('refuses a query or head that does not exist, naming the option', async () => {
    await expect(runGeometry(referenceContext(), inputOf(TOY), { query: 1 })).rejects.toThrow(/options\.query: expected a query index from 0 to 0, got 1/);
    await expect(runGeometry(referenceContext(), inputOf(TOY), { query: 0, head: 2 })).rejects.toThrow(/options\.head/);
  });
});
