/**
 * Positions (issue "real models" §4): the JobSpec run once, and per head the mean weight a
 * query gives a key at relative distance r = i′ − j (i′ = i + Tk − Tq, the query's position),
 * over the visible pairs at that distance. Beside it, RoPE's long-range bound (Su et al. 2021,
 * §3.4.3): with S_l = Σ_{r′<l} e^{i·r·θ_r′}, |q·k| after rotation is bounded by
 * max|h_{l+1} − h_l| · Σ_l |S_l|, and (1/(dims/2))·Σ_l |S_l| decays with |r|; it is drawn
 * relative to its value at r = 0, for the job's RoPE base and dims (or 10000 and d).
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import { palette } from '../charts/theme';
import { formatValue, legendBlock, seriesColor, start, titleBlock, valueAxis } from '../charts/plot-parts';
import { catalogueEntry } from '../metrics/catalogue';
import { copyTokens, jobInput, resolveInput, Runs } from './common';
import { float64Text } from './csv';
import { about, wholeNumber } from './fields';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const options = {
  maxDistance: v.optional(about(wholeNumber(1, 1 << 16, 'a distance'), 'Largest distance', 'distances |i − j| up to this are shown'), 128),
};
export type PositionsOptions = OptionsOf<typeof options>;

export interface PositionsResult {
  /** the job's position id ("none" without one) */
  position: string;
  heads: number;
  Tq: number;
  Tk: number;
  /** the distances r = i′ − j shown, ascending */
  distances: number[];
  /** per head, per distance: mean weight over the visible pairs at that distance (null: none visible) */
  meanWeight: (number | null)[][];
  /** RoPE's bound per distance, relative to r = 0, and the base and dims it was drawn for */
  ropeBound: number[];
  rope: { base: number; dims: number };
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** (1/(dims/2))·Σ_{l=1}^{dims/2} |Σ_{r′<l} e^{i·r·θ_r′}|, θ_r′ = base^(−2r′/dims): Su et al.'s decaying bound at distance r. */
export function ropeLongRangeBound(r: number, base: number, dims: number): number {
  const half = dims / 2;
  let re = 0;
  let im = 0;
  let sum = 0;
  for (let l = 0; l < half; l++) {
    const angle = r * Math.pow(base, (-2 * l) / dims);
    re += Math.cos(angle);
    im += Math.sin(angle);
    sum += Math.hypot(re, im);
  }
  return sum / half;
}

export async function runPositions(ctx: ExperimentContext, input: ExperimentInput, options: PositionsOptions): Promise<PositionsResult> {
  const problem = resolveInput(input, { outputs: ['weights', 'scores'] });
  const r = await new Runs(ctx, 1).run(problem);
  const { heads, Tq, Tk } = r;
  const offset = Tk - Tq;
  // distances that occur: i′ − j over i ∈ [0, Tq), j ∈ [0, Tk)
  const lo = Math.max(offset - (Tk - 1), -options.maxDistance);
  const hi = Math.min(offset + Tq - 1, options.maxDistance);
  const distances = Array.from({ length: Math.max(0, hi - lo + 1) }, (_, n) => lo + n);
  const meanWeight = Array.from({ length: heads }, (_, h) => {
    const sum = new Float64Array(distances.length);
    const count = new Int32Array(distances.length);
    for (let i = 0; i < Tq; i++) {
      for (let j = 0; j < Tk; j++) {
        const at = (h * Tq + i) * Tk + j;
        const d = i + offset - j - lo;
        if (d < 0 || d >= distances.length || r.scores![at] === -Infinity) continue;
        sum[d] += r.weights![at];
        count[d]++;
      }
    }
    return distances.map((_, n) => (count[n] ? sum[n] / count[n] : null));
  });
  const spec = input.spec.position;
  const entry = catalogueEntry('position', 'rope')!;
  const width = Math.min(problem.q.cols, problem.k.cols) / heads;
  const rope = {
    base: spec?.id === 'rope' && typeof spec.base === 'number' ? spec.base : (entry.params.find((p) => p.name === 'base')!.default as number),
    dims: spec?.id === 'rope' && typeof spec.dims === 'number' ? spec.dims : Math.max(2, width - (width % 2)),
  };
  const at0 = ropeLongRangeBound(0, rope.base, rope.dims);
  const ropeBound = distances.map((d) => ropeLongRangeBound(d, rope.base, rope.dims) / at0);
  return { position: spec?.id ?? 'none', heads, Tq, Tk, distances, meanWeight, ropeBound, rope, tokens: copyTokens(problem) };
}

const BOUND = 'RoPE bound (Su et al. 2021), relative';

function positionsChart(result: PositionsResult, opts: ExperimentChartOpts): EChartsOption {
  const pal = palette(opts.theme, opts.forExport);
  const names = [...Array.from({ length: result.heads }, (_, h) => `head ${h}`), BOUND];
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Mean weight against relative distance i − j',
    subtitle: opts.subtitle ?? `position ${result.position} · ${result.Tq} × ${result.Tk} · bound for base ${result.rope.base}, ${result.rope.dims} dims`,
  });
  const lg = legendBlock(opts, t.height + 4, names);
  const heads = result.meanWeight.map((row, h) => ({
    type: 'line',
    name: `head ${h}`,
    yAxisIndex: 0,
    data: result.distances.map((d, n) => [d, row[n]]),
    showSymbol: result.distances.length <= 64,
    symbolSize: 5,
    connectNulls: false,
    lineStyle: { width: 1.8, color: seriesColor(opts.theme, h) },
    itemStyle: { color: seriesColor(opts.theme, h) },
  }));
  const bound = {
    type: 'line',
    name: BOUND,
    yAxisIndex: 1,
    data: result.distances.map((d, n) => [d, result.ropeBound[n]]),
    showSymbol: false,
    lineStyle: { width: 1.5, type: 'dashed', color: pal.reference },
    itemStyle: { color: pal.reference },
  };
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: { left: 64, right: 64, top: t.height + lg.height + 28, bottom: 56 },
    tooltip: opts.forExport ? undefined : { trigger: 'axis', valueFormatter: (x: unknown) => (typeof x === 'number' ? formatValue(x) : '–') },
    xAxis: valueAxis(opts, 'relative distance i − j', {
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: { color: pal.subtle, align: 'center' },
      min: 'dataMin',
      max: 'dataMax',
    }),
    yAxis: [
      valueAxis(opts, 'mean weight', { min: 0 }),
      valueAxis(opts, 'bound / bound at 0', { min: 0, max: 1, position: 'right', splitLine: { show: false }, nameTextStyle: { color: pal.subtle, align: 'right' } }),
    ],
    series: [...heads, bound],
  } as EChartsOption;
}

export default defineExperiment({
  id: 'positions',
  title: 'Positions',
  summary: 'The current configuration’s mean weight at each relative distance i − j, per head, beside RoPE’s long-range bound.',
  needsJob: true,
  options,
  run: (ctx, input, o) => runPositions(ctx, jobInput(input), o),
  table: (r) => ({
    header: ['distance', ...Array.from({ length: r.heads }, (_, h) => `mean_weight_head${h}`), 'rope_bound_relative'],
    rows: r.distances.map((d, n) => [d, ...r.meanWeight.map((row) => (row[n] === null ? '' : float64Text(row[n]))), float64Text(r.ropeBound[n])]),
  }),
  chart: positionsChart,
  files: ['csv', 'json', 'svg', 'png'],
});
