/**
 * The ranking normalisers (rank, sinkhorn) and the ranknet score on the engine, against the
 * float64 reference: every mask set, heads 1–3, tiles of a few rows (sinkhorn must ignore
 * them: its tiles hold whole heads), and the planner's bound on whole-head tiles.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { NormalizerId } from '../../src-shared/job/problem';
import { planGraphTiles } from '../../src-shared/graph';
import { regionProblem } from '../../src-shared/graph/region';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { referenceAttention } from '../../src-shared/reference';
import { resultToJson } from '../../src-main/service/result-json';
import { unshareResult } from '../../src-main/service/runs/unshare-result';
import { expectMatchesReference, makeProblem, type Shape } from './helpers';
import { MASK_SETS } from './matrix';

const runner = new TileRunner(1, 16);
afterAll(() => runner.close());

const caseArb = fc.record({
  Tq: fc.integer({ min: 1, max: 24 }),
  Tk: fc.integer({ min: 1, max: 24 }),
  d: fc.integer({ min: 1, max: 8 }),
  heads: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  tileRows: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
});

for (const normalizer of ['rank', 'sinkhorn'] as NormalizerId[]) {
  for (const metric of ['dot', 'ranknet'] as const) {
    describe(`${normalizer} × ${metric}`, () => {
      it.each(MASK_SETS.map((m) => [m.join(' + ') || 'none', m] as const))('[%s] matches the reference', async (_name, masks) => {
        await fc.assert(
          fc.asyncProperty(caseArb, async (c) => {
            const shape: Shape = { heads: c.heads, Tq: c.Tq, Tk: c.Tk, dq: c.d, dk: c.d, dv: 3 };
            const p = makeProblem({ shape, metric, masks, normalizer, seed: c.seed, topk: 3, overview: { rows: 4, cols: 3, pool: 'mean' } });
            if (p.overview && c.tileRows) c.tileRows = Math.max(c.tileRows, Math.ceil(p.q.rows / p.overview.rows));
            const got = await runProblemSingleThreaded(p, { runner, tileRows: c.tileRows });
            const ref = referenceAttention(p);
            expectMatchesReference(p, got, ref);
            if (normalizer === 'sinkhorn') expect(Math.abs(got.columnDeviation! - ref.columnDeviation!)).toBeLessThanOrEqual(1e-5);
            else expect(got.columnDeviation).toBeUndefined();
          }),
          { seed: 20261207, numRuns: 3, endOnFailure: true },
        );
      });
    });
  }
}

describe('whole-head tiles', () => {
  const shape = (T: number, heads = 4): Shape => ({ heads, Tq: T, Tk: T, dq: 2, dk: 2, dv: 2 });

  it('sinkhorn tiles hold every row of their heads, whatever the row budget', () => {
    const p = makeProblem({ shape: shape(300), metric: 'dot', masks: ['causal'], normalizer: 'sinkhorn', overview: { rows: 7, cols: 7, pool: 'max' } });
    const tiles = planGraphTiles(p, { tileRows: 16, budgetBytes: 1 });
    expect(tiles.length).toBe(4);
    for (const t of tiles) expect([t.r0, t.r1, t.h1 - t.h0]).toEqual([0, 300, 1]);
    expect(planGraphTiles(p).length).toBeLessThan(4); // a roomy budget packs heads together
  });

  it('refuses, naming normalizer, a head too large to hold whole', () => {
    const p = makeProblem({ shape: shape(8192, 1), metric: 'dot', normalizer: 'sinkhorn', outputs: ['entropy'] });
    expect(() => planGraphTiles(p)).toThrow(/^normalizer: sinkhorn .* MiB limit/);
    expect(() => planGraphTiles({ ...p, normalizer: 'rank' })).not.toThrow();
  });

  it('a region of a sinkhorn job is refused (its rows are not independent)', () => {
    const p = makeProblem({ shape: shape(8), metric: 'dot', normalizer: 'sinkhorn', outputs: ['weights'] });
    expect(regionProblem(p, { head: 0, r0: 0, r1: 4 })).toMatch(/sinkhorn/);
  });
});

describe('sinkhorn column deviation travels with the result', () => {
  it('to --json (top level, column sums per head) and through the IPC copy', async () => {
    const p = makeProblem({ shape: { heads: 2, Tq: 5, Tk: 3, dq: 2, dk: 2, dv: 1 }, metric: 'dot', normalizer: 'sinkhorn', outputs: ['entropy'] });
    const got = await runProblemSingleThreaded(p, { runner });
    const json = resultToJson(got);
    expect(json.columnDeviation).toBe(got.columnDeviation);
    expect((json.heads[1].columnSums as number[]).length).toBe(3);
    const copy = unshareResult(got);
    expect([copy.columnDeviation, Array.from(copy.columnSums!)]).toEqual([got.columnDeviation, Array.from(got.columnSums!)]);
    expect(resultToJson(await runProblemSingleThreaded({ ...p, normalizer: 'softmax' }, { runner })).columnDeviation).toBeUndefined();
  });
});
