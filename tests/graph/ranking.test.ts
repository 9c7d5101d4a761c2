/**
 * What the matrix tests (every score × mask set × normaliser, against the reference) do not
 * cover for sinkhorn: its tiles hold whole heads whatever the row budget, the planner's bound
 * on them, the refused region, and the column deviation reaching --json and the IPC copy.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { planGraphTiles } from '../../src-shared/graph';
import { regionProblem } from '../../src-shared/graph/region';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { resultToJson } from '../../src-main/service/result-json';
import { portableResult } from '../../src-main/engine/marshal';
import { makeProblem, type Shape } from './helpers';

const runner = new TileRunner(1, 16);
afterAll(() => runner.close());

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
    const copy = portableResult(got);
    expect([copy.columnDeviation, Array.from(copy.columnSums!)]).toEqual([got.columnDeviation, Array.from(got.columnSums!)]);
    expect(resultToJson(await runProblemSingleThreaded({ ...p, normalizer: 'softmax' }, { runner })).columnDeviation).toBeUndefined();
  });
});
