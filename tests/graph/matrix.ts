/**
 * The correctness matrix shared by the matrix-*.test.ts files: every score function × every
 * mask alone and in the agreed stacks × normaliser, against the float64 reference, on
 * random sizes from fast-check (fixed seed), for each of 1, 2 and 3 heads with and without
 * transpose-swapped inputs — every combination, not a random sample of them.
 */
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import type { MetricId, NormalizerId } from '../../src-shared/job/problem';
import { catalogueEntry } from '../../src-shared/metrics/catalogue';
import { TileRunner, runProblemSingleThreaded } from '../../src-main/engine/tile-runner';
import { MASKS, METRICS, NORMALIZERS, expectMatchesReference, makeProblem, metricUnder, type MaskName, type Shape } from './helpers';

/** no mask, every mask of the catalogue alone, and the agreed stacks */
export const MASK_SETS: MaskName[][] = [[], ...MASKS.map((m) => [m]), ['causal', 'window'], ['padding', 'topk'], ['segments', 'dilated', 'topk']];

/**
 * The catalogue's score functions split in two halves, one per matrix-*.test.ts file, so that
 * the two files run in parallel: a new score function joins the second half by itself.
 */
export function catalogueHalf(half: 0 | 1): MetricId[] {
  const middle = Math.floor(METRICS.length / 2);
  return half === 0 ? METRICS.slice(0, middle) : METRICS.slice(middle);
}

/** score functions that compare queries and keys of different widths */
const mixedWidths = (metric: MetricId): boolean => catalogueEntry('score', metric)?.allowsUnequalWidths === true;

/** every normaliser; kernel runs under polynomial only (see metricUnder) */
const normalizersFor = (metric: MetricId): NormalizerId[] => NORMALIZERS.filter((n) => n !== 'kernel' || metric === 'polynomial');

const caseArb = (metric: MetricId, masks: MaskName[], normalizer: NormalizerId, heads: number, transposed: boolean) =>
  fc
    .record({
      Tq: fc.integer({ min: 1, max: 40 }),
      Tk: fc.integer({ min: 1, max: 40 }),
      dq: fc.integer({ min: 1, max: 16 }),
      dk: fc.integer({ min: 1, max: 16 }),
      dv: fc.integer({ min: 1, max: 6 }),
      heads: fc.constant(heads),
      transposed: fc.constant(transposed),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      // tiles of a few rows now and then, so row0 and multi-tile assembly are exercised too
      tileRows: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
    })
    .map((c) => ({ ...c, dk: mixedWidths(metric) && !masks.includes('buckets') ? c.dk : c.dq }))
    // at width 1 cosine is ±1 for every pair up to rounding: scores tie and float32 rounding,
    // not the engine, decides which key a hard top-k keeps or which rank a key gets
    .map((c) => (metric === 'cosine' && (masks.includes('topk') || normalizer === 'rank') && c.dq === 1 ? { ...c, dq: 2, dk: 2 } : c));

const LAYOUTS = [1, 2, 3].flatMap((heads) => [false, true].map((transposed) => ({ heads, transposed })));

export function matrixSuite(metrics: MetricId[], runs = 1): void {
  const runner = new TileRunner(1, 16);
  afterAll(() => runner.close());
  for (const metric of metrics) {
    describe(metric, () => {
      for (const normalizer of normalizersFor(metric)) {
        for (const masks of MASK_SETS) {
          it(`${normalizer} [${masks.join(' + ') || 'none'}] × heads 1–3 × transpose`, async () => {
            for (const { heads, transposed } of LAYOUTS) {
              await fc.assert(
                fc.asyncProperty(caseArb(metric, masks, normalizer, heads, transposed), async (c) => {
                  const shape: Shape = { heads: c.heads, Tq: c.Tq, Tk: c.Tk, dq: c.dq, dk: c.dk, dv: c.dv };
                  const m = metricUnder(normalizer, metric, c.transposed ? { ...shape, dq: c.dk, dk: c.dq } : shape, c.seed);
                  const p = makeProblem({
                    shape,
                    metric: m,
                    masks,
                    normalizer,
                    seed: c.seed,
                    transposed: c.transposed,
                    topk: 3,
                    overview: { rows: 4, cols: 3, pool: c.seed % 2 ? 'mean' : 'max' },
                  });
                  if (p.overview && c.tileRows) c.tileRows = Math.max(c.tileRows, Math.ceil(p.q.rows / p.overview.rows));
                  expectMatchesReference(p, await runProblemSingleThreaded(p, { runner, tileRows: c.tileRows }));
                }),
                { seed: 20261122 + heads * 2 + Number(transposed), numRuns: runs, endOnFailure: true },
              );
            }
          });
        }
      }
    });
  }
}
