import { describe, expect, it } from 'vitest';
import { planPoolTiles, sizeProblem } from '../../src-main/engine/plan';
import { bytesPerCell } from '../../src-shared/graph';
import type { AttentionProblem } from '../../src-shared/job/problem';

function problem(H: number, T: number, extra: Partial<AttentionProblem> = {}): AttentionProblem {
  const m = { rows: T, cols: H * 4, data: new Float32Array(0) };
  return {
    heads: H,
    q: m,
    k: m,
    v: m,
    metric: { id: 'dot', c: 0.5 },
    masks: [],
    normalizer: 'softmax',
    outputs: ['weights', 'output', 'entropy'],
    topk: 5,
    tokens: { queries: null, keys: null },
    ...extra,
  };
}

/** Every (head, row) is covered exactly once. */
function coverage(H: number, T: number, tiles: ReturnType<typeof planPoolTiles>): number[] {
  const seen = new Array(H * T).fill(0);
  for (const t of tiles) for (let h = t.h0; h < t.h1; h++) for (let r = t.r0; r < t.r1; r++) seen[h * T + r]++;
  return seen;
}

describe('tiling', () => {
  it('covers every head and row exactly once', () => {
    for (const [H, T] of [
      [1, 1],
      [3, 7],
      [12, 1024],
      [1, 16384],
      [5, 333],
    ]) {
      const tiles = planPoolTiles(problem(H, T), { workers: 2, budgetBytes: 8 * 2 ** 20 });
      expect(coverage(H, T, tiles).every((n) => n === 1)).toBe(true);
    }
  });

  it('keeps one run under the memory budget at T = 16384', () => {
    const p = problem(1, 16384, { outputs: ['entropy', 'output', 'overview'], overview: { rows: 1024, cols: 1024, pool: 'mean' } });
    const budget = 48 * 2 ** 20;
    const tiles = planPoolTiles(p, { budgetBytes: budget, workers: 2 });
    for (const t of tiles) expect((t.h1 - t.h0) * (t.r1 - t.r0) * 16384 * bytesPerCell(p)).toBeLessThanOrEqual(budget);
    // overview blocks are 16 rows tall: no tile may split one
    for (const t of tiles) expect(t.r0 % 16).toBe(0);
  });

  it('gives each worker something to do', () => {
    expect(planPoolTiles(problem(1, 512), { workers: 2 }).length).toBeGreaterThanOrEqual(2);
    expect(planPoolTiles(problem(12, 1024), { workers: 2 }).length).toBeGreaterThanOrEqual(2);
    // a tiny job stays one tile: one session to build, no split overhead
    expect(planPoolTiles(problem(1, 8), { workers: 2 }).length).toBe(1);
  });

  it('refuses full weights that would not fit, and suggests the overview', () => {
    expect(sizeProblem(problem(1, 16384))).toContain('overview');
    expect(sizeProblem(problem(1, 16384, { outputs: ['entropy', 'overview'] }))).toBeNull();
    expect(sizeProblem(problem(12, 1024))).toBeNull();
  });
});

describe('whole heads', () => {
  it('a one-head sinkhorn or delta job is never split into row ranges, however many workers are idle', () => {
    for (const extra of [
      { normalizer: 'sinkhorn' as const, normalizerParams: { iterations: 20 } },
      { recurrence: { id: 'delta' as const, beta: new Float64Array(512).fill(0.5) }, masks: [{ id: 'causal' as const, offset: 0 }] },
    ]) {
      const tiles = planPoolTiles(problem(1, 512, extra), { workers: 2 });
      expect(tiles).toEqual([{ h0: 0, h1: 1, r0: 0, r1: 512 }]);
    }
  });

  it('graph recurrences tile like any causal job: banded rows, every head and row once', () => {
    const tiles = planPoolTiles(problem(2, 2048, { recurrence: { id: 'retention', gammas: [0.9, 0.9] }, masks: [{ id: 'causal', offset: 0 }] }), { workers: 2 });
    expect(coverage(2, 2048, tiles).every((n) => n === 1)).toBe(true);
    expect(Math.max(...tiles.map((t) => t.r1 - t.r0))).toBeLessThanOrEqual(128);
  });
});
