/**
 * The graph's contract with its callers: the key covers exactly what changes the model,
 * feedsFor fills exactly the inputs the model declares (with the dtypes and dims it
 * expects), and outputNames lists exactly the model's outputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { feedsFor, graphFor, graphKey, keyRange, outputNames } from '../../src-shared/graph';
import { createSession } from '../../src-main/engine/ort-node';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { BANDED_ROWS, bytesPerCell, planGraphTiles } from '../../src-shared/graph/plan';
import type { MetricOf } from '../../src-shared/graph/scores/types';
import { MASKS, METRICS, expectMatchesReference, makeMetric, makeProblem } from './helpers';

const shape = { heads: 3, Tq: 11, Tk: 13, dq: 4, dk: 4, dv: 2 };

describe('graph key', () => {
  it('ignores data, sizes, the causal offset and score scalars; sees structure, masks, normaliser and outputs', () => {
    const base = makeProblem({ shape, metric: 'rbf', masks: ['causal', 'padding'] });
    const other = makeProblem({ shape: { ...shape, Tq: 5, Tk: 40, dq: 7, dk: 7 }, metric: 'rbf', masks: ['causal', 'padding'], seed: 9 });
    expect(graphKey(other)).toBe(graphKey(base));
    // τ is a feed: a temperature sweep or a slider drag reuses the session
    expect(graphKey({ ...base, metric: makeMetric('rbf', shape, 1, { tau: 0.3 }) })).toBe(graphKey(base));
    const variants = [
      { ...base, metric: makeMetric('laplacian', shape, 1) },
      { ...base, masks: base.masks.slice(0, 1) },
      { ...base, masks: [{ id: 'causal' as const, offset: -2 }, base.masks[1]] },
      { ...base, normalizer: 'sparsemax' as const },
      { ...base, outputs: base.outputs.filter((o) => o !== 'weights') },
      { ...base, topk: 2 },
      { ...base, overview: { rows: 3, cols: 3, pool: 'max' as const } },
    ];
    const keys = new Set([graphKey(base), ...variants.map(graphKey)]);
    expect(keys.size).toBe(variants.length + 1);
    expect(graphFor(base).key).toBe(graphKey(base));
  });

  it('score scalars: fed for every metric; what shapes the graph stays in the key', () => {
    for (const metric of METRICS) {
      const p = makeProblem({ shape, metric });
      const sharp = { ...p, metric: makeMetric(metric, shape, 1, { tau: 0.25, c: 3 }) };
      expect(graphKey(sharp), metric).toBe(graphKey(p));
      const fed = Object.keys(feedsFor(p, { h0: 0, h1: 1, r0: 0, r1: 1 })).filter((n) => n.startsWith('s_'));
      expect(fed.length, metric).toBeGreaterThan(0);
    }
    const poly = makeMetric('polynomial', shape, 1) as MetricOf<'polynomial'>;
    const p = makeProblem({ shape, metric: poly });
    const keyOf = (m: Partial<MetricOf<'polynomial'>>) => graphKey({ ...p, metric: { ...poly, ...m } });
    // the exponent, the folded a, and whether the r and 1/τ terms exist at all
    expect(new Set([keyOf({}), keyOf({ p: 2 }), keyOf({ a: 0.5 }), keyOf({ r: 0 }), keyOf({ tau: 1 })]).size).toBe(5);
    expect(keyOf({ r: 3, tau: 0.2 })).toBe(keyOf({}));
    const gat = makeMetric('gat', shape, 1) as MetricOf<'gat'>;
    expect(graphKey({ ...p, metric: { ...gat, slope: 0.1 } })).not.toBe(graphKey({ ...p, metric: gat }));
  });

  it('one session serves a temperature sweep, each τ matching the float64 reference', async () => {
    // room for every model, so the count below is the number built
    const runner = new TileRunner(1, 32);
    try {
      for (const metric of METRICS) {
        for (const tau of [0.3, 1, 4]) {
          const p = makeProblem({ shape, metric: makeMetric(metric, shape, 2, { tau, c: 1 / tau }), masks: ['causal'] });
          expectMatchesReference(p, await runProblemSingleThreaded(p, { runner }));
        }
      }
      // polynomial's τ = 1 skips its 1/τ pass: a model of its own
      expect(runner.cached).toBe(METRICS.length + 1);
    } finally {
      await runner.close();
    }
  });
});

describe('feeds and outputs', () => {
  const runner = new TileRunner(1);
  afterAll(() => runner.close());
  for (const metric of METRICS) {
    it(`${metric}: feeds = model inputs, outputNames = model outputs`, async () => {
      const dk = ['bilinear', 'additive', 'gat'].includes(metric) ? 6 : 4;
      const p = makeProblem({ shape: { ...shape, dk }, metric, masks: dk === 4 ? MASKS : MASKS.filter((m) => m !== 'buckets'), overview: { rows: 4, cols: 4, pool: 'mean' } });
      const session = await createSession(graphFor(p).model);
      const tile = { h0: 1, h1: 3, r0: 2, r1: 9 };
      const feeds = feedsFor(p, tile);
      expect(Object.keys(feeds).sort()).toEqual([...session.inputNames].sort());
      expect([...session.outputNames]).toEqual(outputNames(p));
      // causal (offset 13 − 11 = 2) and window (size 2) leave rows 2…8 keys 0…10, widened
      // to whole overview column blocks of bc = ⌈13/4⌉ = 4 keys: 0…11
      expect(keyRange(p, tile)).toEqual({ k0: 0, k1: 12 });
      expect(feeds.q.dims).toEqual([7, 2 * 4]);
      expect(feeds.k.dims).toEqual([12, 2 * dk]);
      for (const f of Object.values(feeds)) expect(f.data.length).toBe(f.dims.reduce((a, b) => a * b, 1));
      await session.release();
      const t = await runner.run(p, tile);
      expect(t.entropy.dims).toEqual([2, 7]);
      expect(t.keys).toEqual({ k0: 0, k1: 12 });
      expect(t.weights!.dims).toEqual([2, 7, 12]);
      expect(t.topkIndices!.dims).toEqual([2, 7, 4]);
      // br = ⌈11/4⌉ = 3 rows: 7 rows → 3 blocks; 12 keys → 3 blocks of 4
      expect(t.overview!.dims).toEqual([2, 3, 3]);
    });
  }
  it('polynomial with r = 0 and τ = 1 (no r or 1/τ term): feeds = model inputs', async () => {
    const p = makeProblem({ shape, metric: makeMetric('polynomial', shape, 1, { r: 0, tau: 1 }) });
    const session = await createSession(graphFor(p).model);
    expect(Object.keys(feedsFor(p, { h0: 0, h1: 3, r0: 0, r1: 11 })).sort()).toEqual([...session.inputNames].sort());
    await session.release();
  });

  it('rejects a tile outside the problem', () => {
    const p = makeProblem({ shape, metric: 'dot' });
    expect(() => feedsFor(p, { h0: 0, h1: 4, r0: 0, r1: 1 })).toThrow(/outside the problem/);
    expect(() => feedsFor(p, { h0: 0, h1: 1, r0: 5, r1: 5 })).toThrow(/outside the problem/);
  });
});

describe('tile plan', () => {
  const cover = (p: ReturnType<typeof makeProblem>, tiles: { h0: number; h1: number; r0: number; r1: number }[]) => {
    const seen = new Uint8Array(p.heads * p.q.rows);
    for (const t of tiles) for (let h = t.h0; h < t.h1; h++) for (let i = t.r0; i < t.r1; i++) seen[h * p.q.rows + i]++;
    expect(seen.every((x) => x === 1)).toBe(true);
  };
  it('covers every (head, row) once, within the budget, on overview row blocks', () => {
    const p = makeProblem({ shape: { heads: 5, Tq: 301, Tk: 257, dq: 4, dk: 4, dv: 2 }, metric: 'rbf', masks: ['padding'], overview: { rows: 40, cols: 9, pool: 'mean' } });
    for (const budgetBytes of [1, 2 ** 16, 2 ** 20, 2 ** 30]) {
      const tiles = planGraphTiles(p, { budgetBytes });
      cover(p, tiles);
      const br = Math.ceil(301 / 40);
      for (const t of tiles) {
        expect(t.r0 % br).toBe(0);
        const rows = t.r1 - t.r0;
        // over budget only when a single head and one block of rows are already too many
        if (t.h1 - t.h0 > 1 || rows > br) expect((t.h1 - t.h0) * rows * 257 * bytesPerCell(p)).toBeLessThanOrEqual(budgetBytes);
      }
    }
  });
  it('banded (causal) problems run in small row tiles, biggest key ranges first', () => {
    const p = makeProblem({ shape: { heads: 12, Tq: 1024, Tk: 1024, dq: 8, dk: 8, dv: 8 }, metric: 'dot', masks: ['causal'], outputs: ['weights', 'output', 'entropy'] });
    const tiles = planGraphTiles(p);
    cover(p, tiles);
    expect(Math.max(...tiles.map((t) => t.r1 - t.r0))).toBeLessThanOrEqual(BANDED_ROWS);
    const keys = tiles.map((t) => keyRange(p, t).k1);
    expect(keys).toEqual([...keys].sort((a, b) => b - a));
    expect(planGraphTiles(p, { tileRows: 1000 }).every((t) => t.r1 - t.r0 === 1000 || t.r1 === 1024)).toBe(true);
  });
});
