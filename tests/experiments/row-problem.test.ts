/**
 * rowProblem (src-shared/experiments/common.ts): the one-query problem the Geometry and k-NN
 * views run must give exactly row i of the full run, whatever masks the job stacks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuPool } from '../../src-main/engine/pool';
import { rowProblem } from '../../src-shared/experiments';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec, type EntrySpec, type JobSpec } from '../../src-shared/job/spec';
import { referenceAttention } from '../../src-shared/reference';
import { gaussianVectors, maxAbsDiff, smallPool } from './helpers';

const T = 9;
const MASKS: Record<string, EntrySpec[]> = {
  causal: [{ id: 'causal' }],
  'causal offset 2': [{ id: 'causal', offset: 2 }],
  window: [{ id: 'window', size: 2 }],
  dilated: [{ id: 'dilated', stride: 3 }],
  segments: [{ id: 'segments', size: 4 }],
  graph: [
    {
      id: 'graph',
      edges: [
        [0, 3],
        [4, 1],
        [8, 8],
        [2, 7],
      ],
    },
  ],
  padding: [{ id: 'padding', positions: [1, 5], trailing: 2 }],
  buckets: [{ id: 'buckets', bits: 2, seed: 3 }],
  'window + topk': [
    { id: 'window', size: 3 },
    { id: 'topk', k: 2 },
  ],
  'causal + dilated + topk': [{ id: 'causal' }, { id: 'dilated', stride: 2 }, { id: 'topk', k: 1 }],
};

function job(mask: EntrySpec[]): JobSpec {
  return { embeddings: { inline: { vectors: gaussianVectors(T, 4, 51) } }, heads: 2, mask, metric: { id: 'rbf', tau: 1.5 }, outputs: ['weights', 'output', 'scores'] };
}

describe('rowProblem: one query row alone, masks rewritten for it', () => {
  let pool: CpuPool;
  beforeAll(() => {
    pool = smallPool();
  });
  afterAll(async () => {
    await pool.close();
  });

  for (const [name, mask] of Object.entries(MASKS)) {
    it(`${name}: row i alone equals row i of the full run (reference)`, () => {
      const full = resolveJob(parseJobSpec(job(mask)));
      const all = referenceAttention(full);
      for (let i = 0; i < T; i++) {
        const one = referenceAttention(rowProblem(full, i));
        expect(one.Tq).toBe(1);
        for (let h = 0; h < 2; h++) {
          expect(Array.from(one.weights.subarray(h * T, (h + 1) * T))).toEqual(Array.from(all.weights.subarray((h * T + i) * T, (h * T + i + 1) * T)));
          expect(one.visible[h]).toBe(all.visible[h * T + i]);
        }
      }
    });
  }

  it('the engine runs the rewritten masks the same way (causal offset, custom row, segments)', async () => {
    const full = resolveJob(
      parseJobSpec(
        job([
          { id: 'causal', offset: 1 },
          { id: 'window', size: 2 },
          { id: 'segments', size: 5 },
        ]),
      ),
    );
    const all = await pool.run(full);
    for (const i of [0, 4, 8]) {
      const one = await pool.run(rowProblem(full, i));
      for (let h = 0; h < 2; h++) expect(maxAbsDiff(one.weights!.subarray(h * T, (h + 1) * T), all.weights!.subarray((h * T + i) * T, (h * T + i + 1) * T))).toBeLessThan(1e-6);
    }
  });
});
