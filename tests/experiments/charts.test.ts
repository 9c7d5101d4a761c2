/**
 * The experiments' chart option builders (the app's views and the CLI's exports) produce the right series: each view's numbers,
 * from the real experiment code over the float64 reference, land in the option where the
 * picture needs them (axes, series, arrows, cache cells, the marked step).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EChartsOption } from 'echarts';
import { equalAspectRanges, titleBlock } from '../../src-shared/charts/plot-parts';
import { compareDivergenceOption, compareHeatmapInput, metricPairs, sharedWeightRange, topKTable } from '../../src-shared/experiments/compare';
import { cacheCell, CACHE_SERIES, decodingCacheOption, decodingCostOption, decodingRowOption } from '../../src-shared/experiments/decoding';
import { geometryArrows, geometryOption, GEOMETRY_LABEL_EMS, GEOMETRY_SERIES } from '../../src-shared/experiments/geometry';
import { knnOption, KNN_SERIES } from '../../src-shared/experiments/knn';
import { SCALING_SERIES, widthText } from '../../src-shared/experiments/scaling';
import { ARGMAX_SERIES } from '../../src-shared/experiments/temperature';
import { moduleOf, type ExperimentChartOpts } from '../../src-shared/experiments';
import {
  runCompareMetrics,
  runDecoding,
  runGeometry,
  runKnn,
  runScaling,
  runTemperature,
  type CompareMetricsResult,
  type DecodingResult,
  type GeometryView,
  type KnnView,
  type ScalingResult,
  type TemperatureResult,
} from '../../src-shared/experiments';
import { displayToken, fontSize } from '../../src-shared/charts/theme';
import { gaussianVectors, inputOf, referenceContext, sequenceJob, TOY } from './helpers';

// the modules' own builders, as the registry holds them
const scalingOption = (r: ScalingResult, o: ExperimentChartOpts) => moduleOf('scaling').chart(r, o);
const temperatureOption = (r: TemperatureResult, o: ExperimentChartOpts) => moduleOf('temperature').chart(r, o);

type AnyRecord = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const OPTS = { width: 800, height: 500, theme: 'light' as const };
const series = (o: EChartsOption) => o.series as AnyRecord[];
const byName = (o: EChartsOption, name: string) => series(o).find((s) => s.name === name)!;

let scaling: ScalingResult;
let temperature: TemperatureResult;
let compare: CompareMetricsResult;
let toy: GeometryView;
let projected: GeometryView;
let decoding: DecodingResult;
let knn: KnnView;

beforeAll(async () => {
  const ctx = referenceContext();
  scaling = await runScaling(ctx, { dims: [2, 8, 64, 512], n: 16, trials: 2, seed: 3 });
  temperature = await runTemperature(ctx, inputOf(sequenceJob(6, 8, 2, { heads: 2 })), { taus: [0.1, 1, 10] });
  compare = await runCompareMetrics(ctx, inputOf(sequenceJob(5, 4, 1)), { metrics: ['dot', 'cosine', 'rbf'], k: 2 });
  toy = await runGeometry(ctx, inputOf(TOY), { query: 0 });
  projected = await runGeometry(ctx, inputOf(sequenceJob(6, 16, 5)), { query: 2 });
  decoding = await runDecoding(ctx, inputOf(sequenceJob(6, 4, 7)), {});
  knn = await runKnn(ctx, inputOf(sequenceJob(6, 4, 2)), { query: 1, k: 3 });
});

describe('scaling', () => {
  it('plots unscaled and scaled entropy against log₂ d, with ln n as the ceiling', () => {
    const o = scalingOption(scaling, OPTS);
    const un = byName(o, SCALING_SERIES.unscaled);
    const sc = byName(o, SCALING_SERIES.scaled);
    const mx = byName(o, SCALING_SERIES.max);
    expect(un.data).toEqual(scaling.rows.map((r) => [Math.log2(r.dim), r.unscaled]));
    expect(sc.data).toEqual(scaling.rows.map((r) => [Math.log2(r.dim), r.scaled]));
    expect(mx.data.every(([, v]: [number, number]) => Math.abs(v - Math.log(16)) < 1e-12)).toBe(true);
    const x = o.xAxis as AnyRecord;
    expect([x.min, x.max, x.interval]).toEqual([1, 9, 1]);
    expect(x.axisLabel.formatter(10)).toBe('1k');
    expect(widthText(512)).toBe('512');
    // the story the chart tells: at the widest d the unscaled rows have collapsed
    const last = scaling.rows[scaling.rows.length - 1];
    expect(last.unscaled).toBeLessThan(last.scaled);
  });
});

describe('temperature', () => {
  it('one entropy line per head over a log τ axis, the flat limit, and the arg-max share below', () => {
    const o = temperatureOption(temperature, OPTS);
    expect((o.grid as unknown[]).length).toBe(2);
    const xs = o.xAxis as AnyRecord[];
    expect(xs.map((x) => x.type)).toEqual(['log', 'log']);
    for (let h = 0; h < 2; h++) expect(byName(o, `head ${h}`).data).toEqual(temperature.rows.map((r) => [r.tau, r.entropy[h]]));
    const moved = byName(o, ARGMAX_SERIES);
    expect(moved.xAxisIndex).toBe(1);
    expect(moved.data).toEqual(temperature.rows.map((r) => [r.tau, r.argmaxChanged]));
    const flats = series(o).filter((s) => String(s.name).includes('flat limit'));
    expect(flats.length).toBeGreaterThanOrEqual(1);
    expect(flats[0].data[0][1]).toBeCloseTo(temperature.flatEntropy[0], 12);
    // sharp to flat: the entropy grows with τ
    expect(temperature.rows[0].entropy[0]).toBeLessThan(temperature.rows[2].entropy[0]);
  });
});

describe('compare metrics', () => {
  it('one JS bar series per pair of metrics, the head’s rows as data', () => {
    expect(metricPairs(3)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    const o = compareDivergenceOption(compare, 0, OPTS);
    expect(series(o).map((s) => s.name)).toEqual(['dot ↔ cosine', 'dot ↔ rbf', 'cosine ↔ rbf']);
    expect(series(o)[1].data).toEqual(Array.from(compare.js[0][2].subarray(0, compare.Tq)));
    expect((o.yAxis as AnyRecord).max).toBeCloseTo(Math.LN2, 12);
  });

  it('each metric’s heatmap is the lab’s heatmap input, titled, on one shared colour range', () => {
    const range = sharedWeightRange(compare, 0);
    for (let m = 0; m < 3; m++) {
      const input = compareHeatmapInput(compare, m, 0, 'viridis');
      expect(input.range).toEqual(range);
      expect([input.rows, input.cols]).toEqual([compare.Tq, compare.Tk]);
      expect(input.values[0]).toBe(compare.results[m].weights![0]);
    }
    expect(compareHeatmapInput(compare, 2, 0, 'viridis').title).toBe('RBF (Gaussian)');
    expect(range[1]).toBeGreaterThan(0);
  });

  it('the top-k table lists each metric’s best keys with their weights, best first', () => {
    const t = topKTable(compare, 0, 3);
    expect(t.map((r) => r.metric)).toEqual(['dot', 'cosine', 'rbf']);
    for (const [m, row] of t.entries()) {
      expect(row.cells.map((c) => c.key)).toEqual(Array.from(compare.topk[m].subarray(3 * 2, 4 * 2)));
      expect(row.cells[0].weight).toBeGreaterThanOrEqual(row.cells[1].weight);
      expect(row.cells[0].token).toBe(`t${row.cells[0].key}`);
    }
  });
});

describe('geometry', () => {
  it('the 2-D toy is drawn as is: raw axes, the same scale on both, an arrow per key by weight', () => {
    expect(toy.projected).toBe(false);
    const o = geometryOption(toy, OPTS);
    const [x] = o.xAxis as AnyRecord[];
    const [y] = o.yAxis as AnyRecord[];
    expect([x.name, y.name]).toEqual(['x₁', 'x₂']);
    const [grid] = o.grid as AnyRecord[];
    expect((x.max - x.min) / grid.width).toBeCloseTo((y.max - y.min) / grid.height, 9);
    expect(byName(o, GEOMETRY_SERIES.keys).data.map((d: AnyRecord) => d.value)).toEqual(toy.keys);
    const arrows = byName(o, GEOMETRY_SERIES.query).markLine.data as AnyRecord[][];
    expect(arrows).toHaveLength(6);
    // wider for more weight
    const widths = geometryArrows(toy)
      .map((a) => [a.weight, a.width] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < widths.length; i++) expect(widths[i][1]).toBeGreaterThanOrEqual(widths[i - 1][1]);
    expect(byName(o, GEOMETRY_SERIES.output).data[0].value).toEqual(toy.centroid);
    // the lone query is the chosen one: no "other queries" series
    expect(series(o).some((s) => s.name === GEOMETRY_SERIES.queries)).toBe(false);
  });

  it('16-dim data goes through PCA: the axes name their share of the variance', () => {
    expect(projected.projected).toBe(true);
    const o = geometryOption(projected, OPTS);
    const [x] = o.xAxis as AnyRecord[];
    expect(x.name).toMatch(/^PC1 · [\d.]+% of variance$/);
    expect(JSON.stringify(o.title)).toContain('% of the variance');
  });

  it('token labels hide where they would overprint another and stop at a width; every point keeps its token in its tooltip', async () => {
    const qs = ['the', 'cat', 'sat', 'on', 'a', 'mat'];
    const ks = Array.from({ length: 40 }, (_, j) => (j === 7 ? 'an-extraordinarily-long-token' : `k${j}`));
    const job = { queries: { inline: { tokens: qs, vectors: gaussianVectors(6, 8, 1) } }, keys: { inline: { tokens: ks, vectors: gaussianVectors(40, 8, 2) } } };
    const view = await runGeometry(referenceContext(), inputOf(job), { query: 1 });
    const o = geometryOption(view, OPTS);
    const labelled = series(o).filter((s) => s.label?.show);
    expect(labelled.map((s) => s.name)).toEqual([GEOMETRY_SERIES.keys, GEOMETRY_SERIES.query, GEOMETRY_SERIES.output]);
    for (const s of labelled) {
      expect(s.labelLayout).toEqual({ hideOverlap: true });
      expect(s.label).toMatchObject({ overflow: 'truncate', width: GEOMETRY_LABEL_EMS * fontSize(OPTS) });
    }
    expect(byName(o, GEOMETRY_SERIES.keys).data.map((d: AnyRecord) => d.name)).toEqual(ks);
    expect(byName(o, GEOMETRY_SERIES.queries).data.map((d: AnyRecord) => d.name)).toEqual(qs.filter((_, i) => i !== 1));
    let points = 0;
    for (const s of series(o))
      (s.data as AnyRecord[]).forEach((d, i) => {
        points++;
        expect(s.tooltip.formatter({ dataIndex: i, name: d.name })).toContain(displayToken(d.name, 24));
      });
    // 40 keys, 5 other queries, the chosen one, the output (values = keys: no series of their own)
    expect(points).toBe(47);
  });

  it('equal-aspect ranges hold every point and give both axes the same units per pixel', () => {
    const r = equalAspectRanges(
      [
        [0, 0],
        [4, 1],
      ],
      { left: 0, top: 0, width: 400, height: 200 },
    );
    expect((r.x[1] - r.x[0]) / 400).toBeCloseTo((r.y[1] - r.y[0]) / 200, 12);
    expect(r.x[0]).toBeLessThan(0);
    expect(r.x[1]).toBeGreaterThan(4);
  });
});

describe('decoding', () => {
  it('at step t only q_t, k_t, v_t are new; earlier k, v come from the cache; earlier queries are dropped', () => {
    expect(cacheCell(2, 3, 3)).toBe('fresh');
    expect(cacheCell(1, 1, 3)).toBe('cached');
    expect(cacheCell(2, 1, 3)).toBe('dropped');
    expect(cacheCell(0, 5, 3)).toBe('future');
    const o = decodingCacheOption(decoding, 3, OPTS);
    const count = (name: string) => byName(o, name).data.length;
    expect(count(CACHE_SERIES.fresh)).toBe(3);
    expect(count(CACHE_SERIES.cached)).toBe(2 * 3);
    expect(count(CACHE_SERIES.dropped)).toBe(3);
    expect(count(CACHE_SERIES.future)).toBe(3 * (decoding.T - 4));
  });

  it('row t’s weights as bars over the keys seen so far, nothing beyond', () => {
    const o = decodingRowOption(decoding, 2, 0, OPTS);
    const bars = series(o)[0].data as (AnyRecord | null)[];
    expect(bars).toHaveLength(decoding.T);
    expect(bars.slice(0, 3).map((b) => b!.value)).toEqual(Array.from(decoding.steps[2].weights.subarray(0, 3)));
    expect(bars.slice(3).every((b) => b === null)).toBe(true);
  });

  it('cells per step with the cache against recomputing, step t marked', () => {
    const o = decodingCostOption(decoding, 4, OPTS);
    expect(series(o)[0].data.map((d: AnyRecord) => d.value)).toEqual(decoding.steps.map((s) => s.t + 1));
    expect(series(o)[1].data).toEqual(decoding.steps.map((s) => ((s.t + 1) * (s.t + 2)) / 2));
    expect(series(o)[0].markLine.data).toEqual([{ xAxis: 4 }]);
    expect(decoding.maxDiff).toBeLessThan(1e-6);
  });
});

describe('titles', () => {
  it('a subtitle wider than the chart wraps inside it and the block grows by its lines; a title that long ends in “…”; short ones are left as they are', () => {
    const long = 'top-1 agreement: softmax–rank 100%, softmax–sinkhorn 75%, rank–sinkhorn 75% · sinkhorn max |column sum − Tq/Tk| 0.00006043911';
    const short = titleBlock({ width: 600, height: 400, theme: 'light', title: 'Softmax, rank and sinkhorn', subtitle: 'head 0' });
    const wrapped = titleBlock({ width: 400, height: 400, theme: 'light', title: `A title as long as ${long}`, subtitle: long });
    const [main0, sub0] = short.title as AnyRecord[];
    expect(main0.textStyle.width).toBeUndefined();
    expect(sub0.textStyle.width).toBeUndefined();
    const [main, sub] = wrapped.title as AnyRecord[];
    expect(main.textStyle).toMatchObject({ width: 376, overflow: 'truncate' });
    expect(sub.textStyle).toMatchObject({ width: 376, overflow: 'break' });
    const lines = Math.round((wrapped.height - short.height) / (sub.textStyle.lineHeight as number)) + 1;
    expect(lines).toBeGreaterThanOrEqual(2);
  });
});

describe('k-NN', () => {
  it('soft and hard weights of the k best keys side by side, scores on the right axis', () => {
    const o = knnOption(knn, OPTS);
    expect(byName(o, KNN_SERIES.soft).data).toEqual(knn.keys.map((e) => e.weight));
    expect(byName(o, KNN_SERIES.hard).data).toEqual(knn.keys.map((e) => e.hardWeight));
    expect(byName(o, KNN_SERIES.score).yAxisIndex).toBe(1);
    expect((o.xAxis as AnyRecord).data).toEqual(knn.keys.map((e, r) => `#${r + 1} t${e.key}`));
    expect(knn.keys.reduce((s, e) => s + e.hardWeight, 0)).toBeCloseTo(1, 9);
    // a bar's value that would overprint its neighbour's is hidden (the tooltip still has it)
    for (const name of [KNN_SERIES.soft, KNN_SERIES.hard]) expect(byName(o, name).labelLayout).toEqual({ hideOverlap: true });
  });
});
