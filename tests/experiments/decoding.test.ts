/**
 * Decoding (SPEC §6): causal attention one position at a time with a KV cache. Step t
 * computes only query t (Tq = 1) against the cached keys/values 0..t, and its row equals row
 * t of the full causal run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { runDecoding } from '../../src-shared/experiments';
import type { AttentionProblem } from '../../src-shared/job/problem';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { engineContext, inputOf, referenceContext, referenceRunner, sequenceJob, smallPool } from './helpers';

const T = 9;
const job = sequenceJob(T, 8, 31, { heads: 2, metric: { id: 'dot' } });

describe('decoding with a KV cache', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  it('each step’s row equals row t of the full causal run (float64 reference), with the cache and cost of step t', async () => {
    const d = await runDecoding(referenceContext(), inputOf(job), {});
    expect(d.T).toBe(T);
    expect(d.heads).toBe(2);
    expect(d.steps.length).toBe(T);
    const full = referenceAttention(resolveJob(parseJobSpec({ ...job, mask: [{ id: 'causal' }] })));
    for (const s of d.steps) {
      const t = s.t;
      expect(s.cacheSize).toBe(t + 1);
      expect(s.cellsIncremental).toBe(t + 1);
      expect(s.cellsRecompute).toBe(((t + 1) * (t + 2)) / 2);
      expect(s.ms).toBeGreaterThanOrEqual(0);
      expect(s.weights.length).toBe(2 * (t + 1));
      for (let h = 0; h < 2; h++) {
        for (let j = 0; j <= t; j++) expect(Math.abs(s.weights[h * (t + 1) + j] - full.weights[(h * T + t) * T + j])).toBeLessThan(1e-6);
      }
      expect(s.maxDiff).toBeLessThan(1e-6);
    }
    expect(d.maxDiff).toBeLessThan(1e-6);
    expect(d.ignoredMasks).toEqual([]);
  });

  it('step t computes one query row against the cached keys and values 0..t, reusing their memory', async () => {
    const seen: AttentionProblem[] = [];
    const ctx = { run: async (p: AttentionProblem, s?: AbortSignal) => (seen.push(p), referenceRunner(p, s)) };
    await runDecoding(ctx, inputOf(job), { steps: 4 });
    const [full, ...steps] = seen;
    expect(full.q.rows).toBe(T);
    expect(steps.length).toBe(4);
    steps.forEach((p, t) => {
      expect(p.q.rows).toBe(1);
      expect(p.k.rows).toBe(t + 1);
      expect(p.v.rows).toBe(t + 1);
      expect(p.masks).toEqual([{ id: 'causal', offset: t }]);
      // the cache: the same keys and values, never copied or recomputed
      expect(p.k.data.buffer).toBe(full.k.data.buffer);
      expect(p.v.data.buffer).toBe(full.v.data.buffer);
      expect(Array.from(p.q.data)).toEqual(Array.from(full.q.data.subarray(t * 8, (t + 1) * 8)));
    });
  });

  it('the engine: every step matches the engine’s full causal run to 1e-6 and the reference to 1e-5', async () => {
    const progress: number[] = [];
    const d = await runDecoding(engineContext(pool, { onProgress: (f) => progress.push(f) }), inputOf({ ...job, mask: [{ id: 'window', size: 2 }] }), {});
    expect(d.maxDiff).toBeLessThan(1e-6);
    expect(d.ignoredMasks).toEqual(['window']);
    expect(progress.length).toBe(T + 2);
    expect(progress.at(-1)).toBe(1);
    const ref = await runDecoding(referenceContext(), inputOf(job), {});
    for (let t = 0; t < T; t++) {
      for (let x = 0; x < d.steps[t].weights.length; x++) expect(Math.abs(d.steps[t].weights[x] - ref.steps[t].weights[x])).toBeLessThan(1e-5);
    }
    expect(d.fullMs).toBeGreaterThan(0);
  });

  it('takes only the steps asked for, and refuses a sequence with fewer keys than queries', async () => {
    const d = await runDecoding(referenceContext(), inputOf(job), { steps: 3 });
    expect(d.steps.map((s) => s.t)).toEqual([0, 1, 2]);
    const cross = {
      queries: { inline: { vectors: [[1, 0]] } },
      keys: {
        inline: {
          vectors: [
            [1, 0],
            [0, 1],
          ],
        },
      },
    };
    await expect(runDecoding(referenceContext(), inputOf(cross), {})).rejects.toThrow(/as many queries as keys/);
    await expect(runDecoding(referenceContext(), inputOf(job), { steps: 0 })).rejects.toThrow(/options\.steps/);
  });

  it('stops between steps when cancelled', async () => {
    const controller = new AbortController();
    const ctx = referenceContext({ signal: controller.signal, onProgress: (f) => f >= 2 / (T + 1) && controller.abort() });
    await expect(runDecoding(ctx, inputOf(job), {})).rejects.toMatchObject({ name: 'AbortError' });
    expect(ctx.problems).toBe(2);
  });
});
