/**
 * Recurrences: the float64 reference (A from the matrix formulas), the engine's row form
 * (src-shared/recurrence, the same code the pool and the compute page run) and each model's
 * O(T) scan against numpy values committed in fixtures/recurrence.json
 * (scripts/recurrence-fixtures.py: written from docs/semantics.md, sharing no code with the
 * lab; the delta rule's Tβ there is np.linalg.inv).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceAttention } from '../../src-shared/reference';
import { parseJobSpec, JobSpecError } from '../../src-shared/job/spec';
import { resolveJob } from '../../src-shared/job/resolve';
import { recurrenceTile, scanRows } from '../../src-shared/recurrence';
import { allocateResult, finishResult, writeTile } from '../../src-shared/graph';
import { poolOverview } from '../../src-shared/reference/overview';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';

interface Case {
  name: string;
  job: Record<string, unknown>;
  weights: number[][][];
  output: number[][][];
  scan: number[][][];
  entropy: number[][];
  emptyRows: number[][];
}
const fixture: { T: number; heads: number; d: number; dv: number; cases: Case[] } = JSON.parse(readFileSync(new URL('./fixtures/recurrence.json', import.meta.url), 'utf8'));
const { T, heads: H, dv } = fixture;

const flat = (x: number[][][]) => x.flat(2);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
};
const problemOf = (job: Record<string, unknown>) => resolveJob(parseJobSpec(job));

describe('recurrences against numpy (fixtures/recurrence.json)', () => {
  const runner = new TileRunner(1, 8);
  afterAll(() => runner.close());

  it('the fixtures cover every recurrence, empty rows and per-token parameters', () => {
    const ids = new Set(fixture.cases.map((c) => (c.job.recurrence as { id: string }).id));
    expect([...ids].sort()).toEqual(['delta', 'linear', 'retention', 'selective']);
    expect(fixture.cases.some((c) => c.emptyRows.some((r) => r.length > 0))).toBe(true);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: reference ≤ 1e-8, scan = matrix ≤ 1e-6, engine ≤ 1e-5 (graph and TypeScript rows)', async (_name, c) => {
    const p = problemOf(c.job);
    const ref = referenceAttention(p);
    expect(maxDiff(ref.weights, flat(c.weights))).toBeLessThan(1e-8);
    expect(maxDiff(ref.output, flat(c.output))).toBeLessThan(1e-8);
    expect(maxDiff(ref.entropy, c.entropy.flat())).toBeLessThan(1e-8);
    expect(ref.emptyRows).toEqual(c.emptyRows);
    for (let h = 0; h < H; h++) {
      // the lab's scan against numpy's scan, and the result's own scan error
      expect(maxDiff(scanRows(p, h, 0, T).output, c.scan[h].flat())).toBeLessThan(1e-8);
      expect(ref.scanError![h]).toBeLessThan(1e-6);
    }
    // engine: rows in tiles of 5 (not the whole head), the same code the pool runs
    const eng = await runProblemSingleThreaded(p, { runner, tileRows: 5 });
    expect(maxDiff(eng.weights!, flat(c.weights))).toBeLessThan(1e-5);
    expect(maxDiff(eng.output!, flat(c.output))).toBeLessThan(1e-5);
    expect(maxDiff(eng.entropy, c.entropy.flat())).toBeLessThan(1e-5);
    expect(eng.emptyRows).toEqual(c.emptyRows);
    // the graph's A·V is float32 (SPEC's output tolerance); the delta rule's rows are float64 TypeScript
    const tolerance = (c.job.recurrence as { id: string }).id === 'delta' ? 1e-6 : 1e-4;
    expect(Array.from(eng.scanError!).every((e) => e < tolerance)).toBe(true);
    expect(eng.distribution).toBe(ref.distribution);
    // and the TypeScript row form (the delta rule's engine, every recurrence's small-job path), whole heads
    const ts = allocateResult(p);
    writeTile(ts, p, { h0: 0, h1: H, r0: 0, r1: T }, recurrenceTile(p, { h0: 0, h1: H, r0: 0, r1: T }));
    finishResult(ts);
    expect(maxDiff(ts.weights!, flat(c.weights))).toBeLessThan(1e-5);
    expect(maxDiff(ts.output!, flat(c.output))).toBeLessThan(1e-5);
    expect(maxDiff(ts.entropy, c.entropy.flat())).toBeLessThan(1e-5);
    expect(ts.emptyRows).toEqual(c.emptyRows);
    expect(Array.from(ts.scanError!).every((e) => e < 1e-6)).toBe(true);
    expect(ts.distribution).toBe(ref.distribution);
  });

  it('rows are distributions for normalised positive features only; signed forms say so', () => {
    const dist = (name: string) => referenceAttention(problemOf(fixture.cases.find((c) => c.name === name)!.job)).distribution;
    expect(dist('linear elu1')).toBe(true);
    expect(dist('linear relu, empty rows')).toBe(true);
    expect(dist('retention 0.9')).toBe(false);
    expect(dist('delta 0.5')).toBe(false);
  });

  it('argmax is the key of largest |A_ij| and top-k orders by |A_ij|, keeping the sign', async () => {
    const c = fixture.cases.find((x) => x.name === 'delta 0.5')!;
    const p = problemOf({ ...c.job, outputs: ['weights', 'topk'], topk: 3 });
    const eng = await runProblemSingleThreaded(p, { runner });
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const row = c.weights[h][i].slice(0, i + 1);
        const order = row.map((a, j) => [Math.abs(a), j] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
        expect(eng.argmax[h * T + i]).toBe(order[0][1]);
        expect(eng.maxWeight[h * T + i]).toBeCloseTo(row[order[0][1]], 5);
        for (let r = 0; r < Math.min(3, i + 1); r++) {
          expect(eng.topkIndices![(h * T + i) * 3 + r]).toBe(order[r][1]);
          expect(eng.topkWeights![(h * T + i) * 3 + r]).toBeCloseTo(row[order[r][1]], 5);
        }
      }
    }
  });

  it('the overview pools A as the reference pools any weights (mean and max, blocks past the diagonal count as 0)', async () => {
    const c = fixture.cases.find((x) => x.name === 'retention 0.9')!;
    for (const pool of ['mean', 'max'] as const) {
      const p = problemOf({ ...c.job, outputs: ['overview', 'entropy'], overview: { rows: 5, cols: 5, pool } });
      const eng = await runProblemSingleThreaded(p, { runner, tileRows: 3 });
      const expected = poolOverview(Float64Array.from(flat(c.weights)), H, T, T, p.overview!);
      expect(maxDiff(eng.overview!.data, expected.data)).toBeLessThan(1e-5);
      expect(eng.weights).toBeUndefined();
    }
  });

  it('the output is A·V, one value row per key', () => {
    const c = fixture.cases[0];
    expect(c.output[0][0]).toHaveLength(dv);
  });
});

describe('favor features', () => {
  it('with many random features, favor linear attention approaches causal softmax attention (dot, 1/√d)', () => {
    const rows = Array.from({ length: 10 }, (_, i) => Array.from({ length: 4 }, (_, c) => Math.sin(1.3 * i + 0.7 * c) * 0.8));
    const base = { embeddings: { inline: { vectors: rows } } };
    const favor = referenceAttention(problemOf({ ...base, recurrence: { id: 'linear', feature: 'favor', features: 4096, seed: 3 } }));
    const soft = referenceAttention(problemOf({ ...base, metric: { id: 'dot' }, mask: [{ id: 'causal' }] }));
    expect(maxDiff(favor.weights, soft.weights)).toBeLessThan(0.03);
    expect(favor.distribution).toBe(true);
    // and a different seed draws different features
    const other = referenceAttention(problemOf({ ...base, recurrence: { id: 'linear', feature: 'favor', features: 64, seed: 4 } }));
    const same = referenceAttention(problemOf({ ...base, recurrence: { id: 'linear', feature: 'favor', features: 64, seed: 3 } }));
    expect(maxDiff(other.weights, same.weights)).toBeGreaterThan(1e-4);
  });
});

describe('selective gates from a seed', () => {
  it('a_t = σ(x_t·w_h + 3): in (0, 1], per head, and following the key rows', () => {
    const rows = Array.from({ length: 6 }, (_, i) => Array.from({ length: 4 }, (_, c) => (i - c) * 0.5));
    const p = problemOf({ embeddings: { inline: { vectors: rows } }, heads: 2, recurrence: { id: 'selective', seed: 1 } });
    const rec = p.recurrence as { id: 'selective'; gates: Float64Array[] };
    expect(rec.gates).toHaveLength(2);
    for (const g of rec.gates) for (const a of g) expect(a > 0 && a <= 1).toBe(true);
    expect(maxDiff(rec.gates[0], rec.gates[1])).toBeGreaterThan(1e-6);
    // the gates read the rows before projection: scaling the inputs changes them
    const q = problemOf({ embeddings: { inline: { vectors: rows.map((r) => r.map((x) => 2 * x)) } }, heads: 2, recurrence: { id: 'selective', seed: 1 } });
    expect(maxDiff((q.recurrence as typeof rec).gates[0], rec.gates[0])).toBeGreaterThan(1e-6);
  });
});

describe('bad recurrence parameters name the field', () => {
  const base = {
    embeddings: {
      inline: {
        vectors: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      },
    },
  };
  const message = (job: Record<string, unknown>) => {
    try {
      problemOf(job);
    } catch (e) {
      expect(e).toBeInstanceOf(JobSpecError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  it.each([
    [{ recurrence: { id: 'retention', gamma: 1.5 } }, 'recurrence.gamma: expected a number in (0, 1], got 1.5'],
    [{ recurrence: { id: 'delta', beta: 0 } }, 'recurrence.beta'],
    [{ recurrence: { id: 'delta', beta: [0.5, 0.5] } }, 'recurrence.beta: expected one β per token (3), got 2'],
    [{ recurrence: { id: 'linear' }, metric: { id: 'cosine' } }, 'recurrence: linear replaces the score function'],
    [{ recurrence: { id: 'linear' }, normalizer: 'softmax' }, 'recurrence: linear replaces the normaliser'],
    [{ recurrence: { id: 'retention' }, mask: [{ id: 'window', size: 1 }] }, 'mask.0: a recurrence is causal by construction'],
    [{ recurrence: { id: 'retention' }, position: { id: 'alibi' } }, 'position: ALiBi biases scores'],
    [{ recurrence: { id: 'selective', gates: { inline: [[0.5, 1.2, 0.5]] } } }, 'recurrence.gates.inline: expected gates in (0, 1], got 1.2 at token 1 of the inline gates'],
    [{ recurrence: { id: 'selective', gates: { inline: [[0.5, 0.5]] } } }, 'recurrence.gates.inline: the inline gates: 1×2 values; expected 3 gates'],
    [{ recurrence: { id: 'linear', feature: 'sigmoid' } }, 'recurrence.feature'],
    [{ recurrence: { id: 'lstm' } }, 'recurrence'],
  ])('%j', (extra, expected) => {
    expect(message({ ...base, ...extra })).toContain(expected);
  });

  it('queries and keys of different lengths are refused, naming recurrence', () => {
    expect(
      message({
        queries: { inline: { vectors: [[1, 0]] } },
        keys: {
          inline: {
            vectors: [
              [1, 0],
              [0, 1],
            ],
          },
        },
        recurrence: { id: 'linear' },
      }),
    ).toContain('recurrence: a recurrence runs over one sequence');
  });

  it('a causal mask (offset 0) is accepted, as is {"id": "none"} for no recurrence', () => {
    expect(problemOf({ ...base, recurrence: { id: 'retention' }, mask: [{ id: 'causal' }] }).recurrence?.id).toBe('retention');
    expect(problemOf({ ...base, recurrence: { id: 'none' }, metric: { id: 'cosine' } }).recurrence).toBeUndefined();
  });
});
