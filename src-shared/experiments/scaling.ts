/**
 * Scaling (SPEC §6): why Transformers divide q·k by sqrt(d). For each width `dim`, `trials`
 * times: n random queries and n random keys with independent standard Gaussian entries
 * (streams `(seed, "scaling/q/dim{dim}/trial{t}")` and `(seed, "scaling/k/dim{dim}/trial{t}")`
 * of src-shared/random.ts), attended with the plain dot product (c = 1) and with the
 * scaled one (c = 1/sqrt(dim)); the mean row entropy of each, averaged over the trials,
 * beside ln(n), the entropy of a uniform row.
 *
 * Unscaled, q·k ~ N(0, dim): the scores spread like sqrt(dim), the softmax collapses onto
 * the arg-max and the entropy falls toward 0. Scaled, q·k/sqrt(dim) ~ N(0, 1) whatever the
 * width, and the entropy stays near ln n − 1/2 (the large-n limit for unit-variance scores).
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionProblem } from '../job/problem';
import { matrix } from '../linalg/matrix';
import { gaussianMatrix } from '../random';
import { fontSize, palette } from '../charts/theme';
import { formatValue, legendBlock, niceCeil, seriesColor, start, titleBlock, valueAxis } from '../charts/plot-parts';
import { ExperimentOptionError, Runs } from './common';
import { float64Text } from './csv';
import { about, listOf, wholeNumber } from './fields';
import { EXPERIMENT_LIMITS as L } from './limits';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type OptionsOf } from './module';

const options = {
  // widths from where the scale does not matter yet to where unscaled softmax is one-hot
  dims: v.optional(
    about(listOf(wholeNumber(1, L.maxDim, 'a width'), L.maxList, 'widths'), 'Widths d', 'vector widths to try, separated by commas'),
    [1, 4, 16, 64, 256, 1024, 4096],
  ),
  n: v.optional(about(wholeNumber(1, L.maxN, 'a token count'), 'Tokens n', 'queries = keys = n random vectors'), 64),
  trials: v.optional(about(wholeNumber(1, L.maxTrials, 'a trial count'), 'Trials', 'independent draws averaged per width'), 5),
  seed: v.optional(about(wholeNumber(0, 2 ** 32 - 1, 'a seed'), 'Seed', 'same seed, same random vectors'), 0),
};
export type ScalingOptions = OptionsOf<typeof options>;
export interface ScalingRow {
  dim: number;
  unscaled: number;
  scaled: number;
  /** ln(n), the maximum */
  max: number;
}
export interface ScalingResult {
  options: ScalingOptions;
  rows: ScalingRow[];
}

/** The first problem with scaling options, as `field: problem`, or null when they fit the limits. */
export function scalingProblem(o: ScalingOptions): string | null {
  const whole = (x: number, min: number, max: number) => Number.isInteger(x) && x >= min && x <= max;
  if (!Array.isArray(o.dims) || o.dims.length < 1 || o.dims.length > L.maxList) return `dims: expected 1 to ${L.maxList} widths`;
  const bad = o.dims.findIndex((d) => !whole(d, 1, L.maxDim));
  if (bad >= 0) return `dims.${bad}: expected an integer from 1 to ${L.maxDim}, got ${o.dims[bad]}`;
  if (!whole(o.n, 1, L.maxN)) return `n: expected an integer from 1 to ${L.maxN}, got ${o.n}`;
  if (!whole(o.trials, 1, L.maxTrials)) return `trials: expected an integer from 1 to ${L.maxTrials}, got ${o.trials}`;
  if (!whole(o.seed, 0, 2 ** 32 - 1)) return `seed: expected an integer from 0 to ${2 ** 32 - 1}, got ${o.seed}`;
  const widest = Math.max(...o.dims);
  if (o.n * widest > L.maxCells) return `n: ${o.n} tokens × dim ${widest} exceeds the 2^24 numbers a random matrix may hold (use n ≤ ${Math.floor(L.maxCells / widest)})`;
  return null;
}

/** The random matrix of one trial (n × dim, row-major float32): `role` "q" or "k". */
export function scalingMatrix(seed: number, role: 'q' | 'k', dim: number, trial: number, n: number): Float32Array {
  return Float32Array.from(gaussianMatrix(seed, `scaling/${role}/dim${dim}/trial${trial}`, n, dim, 1));
}

/** The two problems of one trial: the same queries and keys, dot product with c = 1 and c = 1/sqrt(dim). */
export function scalingProblems(options: ScalingOptions, dim: number, trial: number): { unscaled: AttentionProblem; scaled: AttentionProblem } {
  const { n, seed } = options;
  const q = matrix(n, dim, scalingMatrix(seed, 'q', dim, trial, n));
  const k = matrix(n, dim, scalingMatrix(seed, 'k', dim, trial, n));
  // the values play no part in the entropy: one zero column keeps the runs small
  const v = matrix(n, 1);
  const base = { heads: 1, q, k, v, masks: [], normalizer: 'softmax', outputs: ['entropy'], topk: 0, tokens: { queries: null, keys: null } } as const;
  return {
    unscaled: { ...base, masks: [], outputs: ['entropy'], metric: { id: 'dot', c: 1 } },
    scaled: { ...base, masks: [], outputs: ['entropy'], metric: { id: 'dot', c: 1 / Math.sqrt(dim) } },
  };
}

export async function runScaling(ctx: ExperimentContext, options: ScalingOptions): Promise<ScalingResult> {
  const problem = scalingProblem(options);
  if (problem) {
    const [field, ...rest] = problem.split(': ');
    throw new ExperimentOptionError(`options.${field}`, rest.join(': '));
  }
  const { dims, n, trials } = options;
  const runs = new Runs(ctx, dims.length * trials * 2);
  const rows: ScalingRow[] = [];
  for (const dim of dims) {
    let unscaled = 0;
    let scaled = 0;
    for (let t = 0; t < trials; t++) {
      const p = scalingProblems(options, dim, t);
      unscaled += (await runs.run(p.unscaled)).meanEntropy[0];
      scaled += (await runs.run(p.scaled)).meanEntropy[0];
    }
    rows.push({ dim, unscaled: unscaled / trials, scaled: scaled / trials, max: Math.log(n) });
  }
  return { options: { dims: [...dims], n, trials, seed: options.seed }, rows };
}

export const SCALING_SERIES = { unscaled: 'unscaled  softmax(q·k)', scaled: 'scaled  softmax(q·k / √d)', max: 'maximum ln(n)' } as const;

/** A width as a tick label: 512, 1k, 16k. */
export function widthText(d: number): string {
  const r = Math.round(d);
  return r >= 1024 && r % 1024 === 0 ? `${r / 1024}k` : String(r);
}

function scalingChart(result: ScalingResult, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const rows = [...result.rows].sort((a, b) => a.dim - b.dim);
  const { n, trials } = result.options;
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Mean row entropy against the vector width d',
    subtitle: opts.subtitle ?? `n = ${n} queries and keys, N(0, 1) entries · mean of ${trials} trial${trials === 1 ? '' : 's'}`,
  });
  const legendTop = t.height + 4;
  const lg = legendBlock(opts, legendTop, [SCALING_SERIES.scaled, SCALING_SERIES.unscaled, SCALING_SERIES.max]);
  const top = legendTop + lg.height + size + 12;
  const max = rows[0]?.max ?? Math.log(Math.max(1, n));
  const exps = rows.map((r) => Math.log2(r.dim));
  const lo = Math.floor(Math.min(...exps) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...exps) - 1e-9));
  const unscaled = seriesColor(opts.theme, 3);
  const scaled = seriesColor(opts.theme, 0);
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: { left: 58, right: 28, top, bottom: size + 40 },
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'axis',
          axisPointer: { type: 'line' },
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: [number, number]; marker: string }[];
            if (!list.length) return '';
            return [`d = ${widthText(2 ** list[0].value[0])}`, ...list.map((p) => `${p.marker}${p.seriesName}: ${formatValue(p.value[1])} nats`)].join('<br>');
          },
        },
    // a value axis over log₂ d: one tick per power of two (every other one when there are many)
    xAxis: {
      type: 'value',
      min: lo,
      max: hi,
      interval: hi - lo > 12 ? 2 : 1,
      name: 'vector width d (log₂ scale)',
      nameLocation: 'middle',
      nameGap: size + 16,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisTick: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => widthText(2 ** v) },
      splitLine: { show: true, lineStyle: { color: pal.split } },
    },
    yAxis: valueAxis(opts, 'mean row entropy (nats)', { min: 0, max: niceCeil(max) }),
    series: [
      entropyLine(
        SCALING_SERIES.scaled,
        rows.map((r) => [Math.log2(r.dim), r.scaled]),
        'circle',
        7,
        scaled,
      ),
      entropyLine(
        SCALING_SERIES.unscaled,
        rows.map((r) => [Math.log2(r.dim), r.unscaled]),
        'triangle',
        8,
        unscaled,
      ),
      {
        type: 'line',
        name: SCALING_SERIES.max,
        data: rows.map((r) => [Math.log2(r.dim), r.max]),
        symbol: 'none',
        lineStyle: { width: 1.5, type: 'dashed', color: pal.reference },
        itemStyle: { color: pal.reference },
        endLabel: { show: !opts.small, formatter: `ln ${n} = ${formatValue(max)}`, color: pal.reference, fontSize: size, offset: [-90, -12] },
        z: 2,
      },
    ],
  } as EChartsOption;
}

export default defineExperiment({
  id: 'scaling',
  title: 'Scaling',
  summary: 'Random Gaussian queries and keys: mean row entropy of softmax(q·k) with and without the 1/√d scale, as the width d grows, against the maximum ln(n).',
  needsJob: false,
  options,
  check: scalingProblem,
  run: (ctx, _input, o) => runScaling(ctx, o),
  table: (r) => ({ header: ['dim', 'unscaled', 'scaled', 'max'], rows: r.rows.map((x) => [x.dim, float64Text(x.unscaled), float64Text(x.scaled), float64Text(x.max)]) }),
  chart: scalingChart,
  files: ['csv', 'json', 'svg', 'png'],
});

/** One measured entropy curve of the scaling chart (scaled or unscaled), drawn above the ln n line. */
function entropyLine(name: string, data: number[][], symbol: string, symbolSize: number, color: string) {
  return { type: 'line' as const, name, data, symbol, symbolSize, lineStyle: { width: 2.5, color }, itemStyle: { color }, z: 3 };
}
