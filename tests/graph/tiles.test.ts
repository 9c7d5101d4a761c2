/**
 * Tiling and edge shapes: any split of heads and rows gives the single-run answer; T = 1,
 * Tq ≠ Tk; empty rows (every normaliser) never produce NaN and come out as the semantics
 * say; the kernel normaliser's negative-score error names what the reference names.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TileRunner, assembleTile, allocateResult, finishResult, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { referenceAttention } from '../../src-shared/reference';
import type { AttentionProblem } from '../../src-shared/job/problem';
import type { Tile } from '../../src-shared/graph';
import { METRICS, NORMALIZERS, expectMatchesReference, expectNoNaN, makeMetric, makeProblem, metricUnder } from './helpers';

const runner = new TileRunner(1, 16);
afterAll(() => runner.close());

async function runTiles(p: AttentionProblem, tiles: Tile[]) {
  const result = allocateResult(p);
  for (const tile of tiles) assembleTile(result, p, tile, await runner.run(p, tile));
  return finishResult(result);
}

function expectSame(a: Record<string, unknown>, b: Record<string, unknown>) {
  for (const key of Object.keys(b)) {
    const x = a[key];
    const y = b[key];
    if (ArrayBuffer.isView(y)) {
      const xs = x as Float32Array;
      const ys = y as Float32Array;
      expect(xs.length, key).toBe(ys.length);
      for (let i = 0; i < ys.length; i++) {
        if (xs[i] === ys[i]) continue;
        // relative: distance scores centre on the tile's keys, so a key-trimmed tile rounds differently
        if (!(Math.abs(xs[i] - ys[i]) <= 1e-6 * Math.max(1, Math.abs(ys[i])))) throw new Error(`${key}[${i}]: ${xs[i]} vs ${ys[i]}`);
      }
    } else if (key === 'overview') expectSame(x as Record<string, unknown>, y as Record<string, unknown>);
    else expect(x, key).toEqual(y);
  }
}

describe('tiles', () => {
  const shape = { heads: 3, Tq: 23, Tk: 19, dq: 5, dk: 5, dv: 4 };
  const configs: [string, AttentionProblem][] = [
    ['dot causal softmax', makeProblem({ shape, metric: 'dot', masks: ['causal'], topk: 4, overview: { rows: 6, cols: 5, pool: 'mean' } })],
    ['rbf window + dilated sparsemax', makeProblem({ shape, metric: 'rbf', masks: ['window', 'dilated'], normalizer: 'sparsemax', overview: { rows: 8, cols: 4, pool: 'max' } })],
    ['polynomial kernel custom', makeProblem({ shape, metric: makeMetric('polynomial', shape, 2, { p: 2 }), masks: ['custom', 'topk'], normalizer: 'kernel' })],
    ['additive segments + buckets', makeProblem({ shape, metric: 'additive', masks: ['segments', 'buckets'] })],
  ];
  for (const [name, p] of configs) {
    it(`multi-tile = single-tile: ${name}`, async () => {
      const whole = await runTiles(p, [{ h0: 0, h1: 3, r0: 0, r1: 23 }]);
      // row cuts on the overview's block height (br = ⌈23/rows⌉) when there is an overview
      const br = p.overview ? Math.ceil(23 / p.overview.rows) : 5;
      const cut = Math.min(22, 2 * br);
      const pieces = await runTiles(p, [
        { h0: 0, h1: 1, r0: 0, r1: 23 },
        { h0: 1, h1: 3, r0: 0, r1: br },
        { h0: 1, h1: 3, r0: br, r1: cut },
        { h0: 1, h1: 3, r0: cut, r1: 23 },
      ]);
      expectSame(pieces as never, whole as never);
      const planned = await runProblemSingleThreaded(p, { runner, tileRows: 1, budgetBytes: 1 });
      expectSame(planned as never, whole as never);
      expectMatchesReference(p, whole);
    });
  }
});

describe('edge shapes', () => {
  for (const metric of METRICS) {
    it(`T = 1 and Tq ≠ Tk: ${metric}`, async () => {
      for (const [Tq, Tk] of [
        [1, 1],
        [1, 7],
        [9, 2],
        [2, 33],
      ]) {
        for (const masks of [[], ['causal'], ['window', 'topk']] as const) {
          const p = makeProblem({ shape: { heads: 2, Tq, Tk, dq: 3, dk: 3, dv: 2 }, metric, masks: [...masks], topk: 5, overview: { rows: 3, cols: 3, pool: 'mean' } });
          expectMatchesReference(p, await runProblemSingleThreaded(p, { runner }));
        }
      }
    });
  }
});

describe('empty rows', () => {
  const shape = { heads: 2, Tq: 12, Tk: 9, dq: 4, dk: 4, dv: 3 };
  const noKeys = { id: 'padding' as const, keep: new Uint8Array(9) };
  // rows 0, 5 and 11 see nothing; the others see a few keys
  const someRows = { id: 'graph' as const, allowed: Uint8Array.from({ length: 12 * 9 }, (_, x) => ([0, 5, 11].includes(Math.floor(x / 9)) ? 0 : (x * 7) % 3 === 0 ? 1 : 0)) };
  for (const normalizer of NORMALIZERS) {
    const metric = metricUnder(normalizer, 'dot', shape, 1);
    it(`${normalizer}: no NaN, zero weights, argmax −1, listed`, async () => {
      // causal with Tq > Tk: the offset Tk − Tq < 0 empties the first rows
      for (const masks of [[noKeys], [someRows], ['causal' as const], [someRows, 'topk' as const]]) {
        const p = makeProblem({ shape, metric, masks, normalizer, topk: 3, overview: { rows: 4, cols: 4, pool: 'max' } });
        const r = await runProblemSingleThreaded(p, { runner, tileRows: 4 });
        expectNoNaN(r);
        expectMatchesReference(p, r);
        const empty = r.emptyRows[1];
        expect(empty.length).toBeGreaterThan(0);
        for (const i of empty) {
          const row = 1 * 12 + i;
          expect(Array.from(r.weights!.subarray(row * 9, row * 9 + 9))).toEqual(new Array(9).fill(0));
          expect(Array.from(r.output!.subarray(row * 3, row * 3 + 3))).toEqual([0, 0, 0]);
          expect([r.argmax[row], r.entropy[row], r.effective[row], r.maxWeight[row]]).toEqual([-1, 0, 0, 0]);
          expect(Array.from(r.topkIndices!.subarray(row * 3, row * 3 + 3))).toEqual([-1, -1, -1]);
        }
      }
    });
  }

  it('kernel: a row whose visible scores sum to 0 is empty but keeps its visible count', async () => {
    const p = makeProblem({ shape, metric: makeMetric('polynomial', shape, 1, { p: 2, r: 0 }), normalizer: 'kernel' });
    p.q.data.fill(0, 0, 8); // query row 0 is zero in both heads: all its scores are 0
    const r = await runProblemSingleThreaded(p, { runner });
    expectMatchesReference(p, r);
    expect(r.emptyRows).toEqual([[0], [0]]);
    expect(r.visible[0]).toBe(9);
  });
});

describe('kernel negative scores', () => {
  it('fail with the reference message (head, row, column), from a run and from assembleTile', async () => {
    const shape = { heads: 2, Tq: 6, Tk: 5, dq: 3, dk: 3, dv: 2 };
    const p = makeProblem({ shape, metric: makeMetric('polynomial', shape, 4, { p: 3, r: 0 }), normalizer: 'kernel', seed: 4 });
    let expected = '';
    try {
      referenceAttention(p);
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(/non-negative scores/);
    // the score itself prints in float32 here, float64 there
    const place = (m: string) => m.replace(/has score \S+/, 'has score …');
    const message = await runProblemSingleThreaded(p, { runner, tileRows: 2 }).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(place(message)).toBe(place(expected));
    const tile = { h0: 0, h1: 2, r0: 0, r1: 6 };
    const t = await runner.run(p, tile);
    expect(() => assembleTile(allocateResult(p), p, tile, t)).toThrow(/kernel normaliser needs non-negative scores, but head \d, row \d, column \d/);
  });
});

describe('overflow', () => {
  it('scores that overflow float32 are a clear error, not NaN results', async () => {
    // (the float64 reference only overflows much later; it reports non-finite scores the same way)
    const shape = { heads: 1, Tq: 3, Tk: 3, dq: 2, dk: 2, dv: 1 };
    const p = makeProblem({ shape, metric: { id: 'dot', c: 1 }, outputs: ['entropy'] });
    p.q.data.fill(1e20);
    p.k.data.fill(1e20); // q·k = 2e40 > 3.4e38
    await expect(runProblemSingleThreaded(p, { runner })).rejects.toThrow(/not finite at head 0, row 0/);
  });
});
