/**
 * The ranking normalisers and the ranknet score: the float64 reference and the engine
 * against numpy values committed in fixtures/ranking.json (scripts/ranking-fixtures.py, an
 * implementation written from the formulas that shares no code with the lab), and the
 * properties the semantics promise: rank reads only the order of the scores; sinkhorn's rows
 * sum to 1 and its columns approach Tq/Tk as the rounds go on.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { rank, referenceAttention, sinkhorn } from '../../src-shared/reference';
import type { NormalizerId, NormalizerParams, ResolvedMask, ResolvedMetric } from '../../src-shared/job/problem';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { mat, problem } from './helpers';

interface Fixture {
  name: string;
  heads: number;
  q: number[][];
  k: number[][];
  metric: { id: 'dot'; c: number } | { id: 'ranknet'; tau: number; m: number; W: number[][]; b: number[][]; u: number[][] };
  normalizer: NormalizerId;
  normalizerParams: NormalizerParams;
  mask: 'causal' | null;
  weights: number[];
  entropy: number[];
  columnDeviation?: number;
}

const fixtures: Fixture[] = JSON.parse(readFileSync(new URL('./fixtures/ranking.json', import.meta.url), 'utf8'));

function fixtureProblem(f: Fixture) {
  const metric: ResolvedMetric =
    f.metric.id === 'dot'
      ? f.metric
      : { ...f.metric, W: f.metric.W.map((x) => Float64Array.from(x)), b: f.metric.b.map((x) => Float64Array.from(x)), u: f.metric.u.map((x) => Float64Array.from(x)) };
  const masks: ResolvedMask[] = f.mask === 'causal' ? [{ id: 'causal', offset: f.k.length - f.q.length }] : [];
  return problem({ q: mat(f.q), k: mat(f.k), heads: f.heads, metric, masks, normalizer: f.normalizer, normalizerParams: f.normalizerParams });
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
};

describe('against numpy (fixtures/ranking.json)', () => {
  const runner = new TileRunner(1, 8);
  afterAll(() => runner.close());

  it('the fixtures cover ties, masks and every new piece', () => {
    expect(fixtures.map((f) => f.normalizer)).toEqual(expect.arrayContaining(['rank', 'sinkhorn', 'softmax']));
    expect(fixtures.some((f) => f.metric.id === 'ranknet')).toBe(true);
    // the tied case's weights are not symmetric in the tied keys: the lower index ranks first
    expect(fixtures.find((f) => f.name.includes('tied'))).toBeDefined();
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: reference ≤ 1e-9, engine ≤ 1e-5', async (_name, f) => {
    const p = fixtureProblem(f);
    const ref = referenceAttention(p);
    expect(maxDiff(ref.weights, f.weights)).toBeLessThanOrEqual(1e-9);
    expect(maxDiff(ref.entropy, f.entropy)).toBeLessThanOrEqual(1e-9);
    const got = await runProblemSingleThreaded(p, { runner });
    expect(maxDiff(got.weights!, f.weights)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(got.weights!, ref.weights)).toBeLessThanOrEqual(1e-5);
    expect(maxDiff(got.entropy, f.entropy)).toBeLessThanOrEqual(1e-5);
    if (f.columnDeviation !== undefined) {
      expect(Math.abs(ref.columnDeviation! - f.columnDeviation)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(got.columnDeviation! - f.columnDeviation)).toBeLessThanOrEqual(1e-5);
    }
  });
});

// eighths in [−10, 10]: the transforms below keep distinct values distinct in float64
// (on arbitrary doubles, x³ sends 1e-200 and 2e-200 to the same 0: strictly increasing in ℝ only)
const rowArb = fc.array(
  fc.integer({ min: -80, max: 80 }).map((n) => n / 8),
  { minLength: 1, maxLength: 12 },
);
const visibleArb = (n: number) => fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((b) => Uint8Array.from(b, Number));

describe('rank', () => {
  it('is unchanged by a strictly increasing transform of the scores', () => {
    const transforms = [(x: number) => 3 * x - 7, (x: number) => Math.exp(x / 4), (x: number) => x ** 3, (x: number) => Math.atan(x)];
    fc.assert(
      fc.property(
        rowArb.chain((row) => fc.tuple(fc.constant(row), visibleArb(row.length))),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        ([row, vis], tau) => {
          const w = rank(row, vis, tau);
          for (const f of transforms) expect(rank(row.map(f), vis, tau)).toEqual(w);
        },
      ),
    );
  });

  it('ranks equal scores by index: the lower index gets the larger weight', () => {
    const w = rank([1, 2, 1, 2], [1, 1, 1, 1], 1)!;
    expect(w[1]).toBeGreaterThan(w[3]);
    expect(w[3]).toBeGreaterThan(w[0]);
    expect(w[0]).toBeGreaterThan(w[2]);
    expect(w[1] / w[3]).toBeCloseTo(Math.E, 12);
  });
});

describe('sinkhorn', () => {
  const matrixArb = fc.record({ Tq: fc.integer({ min: 1, max: 8 }), Tk: fc.integer({ min: 1, max: 8 }) }).chain(({ Tq, Tk }) =>
    fc.record({
      Tq: fc.constant(Tq),
      Tk: fc.constant(Tk),
      scores: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: Tq * Tk, maxLength: Tq * Tk }),
    }),
  );

  it('rows sum to 1, and the column deviation never grows with more rounds', () => {
    fc.assert(
      fc.property(matrixArb, ({ Tq, Tk, scores }) => {
        const all = new Uint8Array(Tq * Tk).fill(1);
        let previous = Infinity;
        for (const iterations of [1, 2, 5, 20, 80]) {
          const r = sinkhorn(scores, all, Tq, Tk, iterations);
          for (const row of r.rows) expect(Math.abs(row!.reduce((a, b) => a + b, 0) - 1)).toBeLessThanOrEqual(1e-12);
          expect(r.deviation).toBeLessThanOrEqual(previous + 1e-12);
          previous = r.deviation;
        }
      }),
    );
  });

  it('on a full matrix the deviation shrinks towards 0', () => {
    const Tq = 6;
    const Tk = 4;
    const scores = Array.from({ length: Tq * Tk }, (_, x) => Math.sin(x * 1.7) * 2);
    const all = new Uint8Array(Tq * Tk).fill(1);
    const d1 = sinkhorn(scores, all, Tq, Tk, 1).deviation;
    const d50 = sinkhorn(scores, all, Tq, Tk, 50).deviation;
    expect(d1).toBeGreaterThan(1e-3);
    expect(d50).toBeLessThan(d1 / 100);
  });
});
