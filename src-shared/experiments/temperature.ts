/**
 * Temperature sweep (SPEC §6): one JobSpec run at each τ, from sharp to flat. τ is the score
 * function's own `tau` (for `dot`: scale "tau", c = 1/τ). Reported per τ: the mean row
 * entropy of each head, the rows' mean largest weight, and the fraction of (head, row)
 * pairs whose arg-max differs from the sharpest τ's.
 *
 * Every catalogue score is s(q, k)/τ or a monotone function of it, so in exact arithmetic
 * the arg-max never moves with τ; what the fraction shows is where float32 can no longer
 * tell the best key from the next (flat rows round to ties, and ties go to the lower index).
 * As τ → 0 each row's entropy → 0 (a one-hot row, unless its top scores tie); as τ → ∞ it
 * → ln(n_i), reported per head as `flatEntropy`. (The `kernel` normaliser divides τ out.)
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionResult } from '../job/problem';
import { catalogueEntry } from '../metrics/catalogue';
import type { EntrySpec } from '../job/spec';
import { fontSize, palette } from '../charts/theme';
import { formatValue, legendBlock, logAxis, niceCeil, seriesColor, stackedPlots, start, titleBlock, valueAxis } from '../charts/plot-parts';
import { copyTokens, ExperimentOptionError, resolveInput, Runs, jobInput } from './common';
import { float64Text } from './csv';
import { about, listOf } from './fields';
import { EXPERIMENT_LIMITS } from './limits';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

/** `count` values from lo to hi evenly spaced on a log axis, each rounded to 3 significant digits. */
export function logSpaced(lo: number, hi: number, count: number): number[] {
  if (!(lo > 0 && hi > lo) || count < 2) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => Number(Math.exp(a + ((b - a) * i) / (count - 1)).toPrecision(3)));
}

const tau = v.pipe(
  v.number('expected a τ'),
  v.finite('expected a finite τ'),
  v.gtValue(0, 'expected a τ > 0'),
  v.maxValue(EXPERIMENT_LIMITS.maxTau, `expected a τ ≤ ${EXPERIMENT_LIMITS.maxTau}`),
);
const options = {
  // from sharp (0.05) to flat (20), log-spaced
  taus: v.optional(
    about(listOf(tau, EXPERIMENT_LIMITS.maxList, 'τ values'), 'Temperatures τ', 'values of τ, separated by commas (sorted before the run)'),
    logSpaced(0.05, 20, 13),
  ),
};
export type TemperatureOptions = OptionsOf<typeof options>;
export interface TemperatureRow {
  tau: number;
  /** mean entropy per head */
  entropy: number[];
  /** fraction of (head, row) pairs whose argmax differs from the sharpest τ's */
  argmaxChanged: number;
  /** per head, mean of the rows' largest weight */
  maxWeight: number[];
  /** H×Tq: each row's entropy at this τ (nats) */
  rowEntropy: Float32Array;
}
export interface TemperatureResult {
  /** the score function swept and what τ means for it ("tau", or dot's scale "tau" = 1/τ) */
  metric: string;
  /** the taus, ascending (sharpest first) */
  taus: number[];
  heads: number;
  Tq: number;
  Tk: number;
  rows: TemperatureRow[];
  /** per head, mean over the non-empty rows of ln(n_i): the entropy every row tends to as τ → ∞ */
  flatEntropy: number[];
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** The JobSpec's score function at temperature τ. */
export function metricAtTau(metric: EntrySpec | undefined, tau: number): EntrySpec {
  const ms = metric ?? { id: 'dot' };
  if (ms.id === 'dot') return { ...ms, scale: 'tau', tau };
  const entry = catalogueEntry('score', ms.id);
  if (!entry?.params.some((p) => p.name === 'tau')) throw new ExperimentOptionError('job.metric.id', `the score function "${ms.id}" has no temperature τ to sweep`);
  return { ...ms, tau };
}

function checkTaus(taus: number[]): void {
  if (!Array.isArray(taus) || taus.length < 1 || taus.length > EXPERIMENT_LIMITS.maxList) {
    throw new ExperimentOptionError('options.taus', `expected 1 to ${EXPERIMENT_LIMITS.maxList} values of τ`);
  }
  taus.forEach((t, i) => {
    if (!(Number.isFinite(t) && t > 0 && t <= EXPERIMENT_LIMITS.maxTau))
      throw new ExperimentOptionError(`options.taus.${i}`, `expected a τ > 0 and ≤ ${EXPERIMENT_LIMITS.maxTau}, got ${t}`);
  });
}

/** Per head, the mean of `values` over the rows that see at least one key. */
function perHeadMean(r: AttentionResult, values: ArrayLike<number>): number[] {
  return Array.from({ length: r.heads }, (_, h) => {
    let s = 0;
    let n = 0;
    for (let i = 0; i < r.Tq; i++) {
      if (r.visible[h * r.Tq + i] > 0 && r.argmax[h * r.Tq + i] >= 0) {
        s += values[h * r.Tq + i];
        n++;
      }
    }
    return n ? s / n : 0;
  });
}

export async function runTemperature(ctx: ExperimentContext, input: ExperimentInput, options: TemperatureOptions): Promise<TemperatureResult> {
  checkTaus(options.taus);
  const taus = [...options.taus].sort((a, b) => a - b);
  const metricId = input.spec.metric?.id ?? 'dot';
  const runs = new Runs(ctx, taus.length);
  const rows: TemperatureRow[] = [];
  let sharpest: Int32Array | null = null;
  let first: AttentionResult | null = null;
  let tokens: TemperatureResult['tokens'] = { queries: null, keys: null };
  for (const tau of taus) {
    const problem = resolveInput(input, { metric: metricAtTau(input.spec.metric, tau), outputs: ['entropy'] });
    if (!first) tokens = copyTokens(problem);
    const r = await runs.run(problem);
    first ??= r;
    // the sharpest τ's arg-max is the reference (copied: a shared result array may be reused)
    sharpest ??= Int32Array.from(r.argmax);
    let changed = 0;
    let filled = 0;
    for (let x = 0; x < r.argmax.length; x++) {
      if (sharpest[x] < 0) continue;
      filled++;
      if (r.argmax[x] !== sharpest[x]) changed++;
    }
    rows.push({
      tau,
      entropy: [...r.meanEntropy],
      argmaxChanged: filled ? changed / filled : 0,
      maxWeight: perHeadMean(r, r.maxWeight),
      rowEntropy: Float32Array.from(r.entropy),
    });
  }
  const ref = first!;
  const flatEntropy = perHeadMean(
    ref,
    Float64Array.from(ref.visible, (n) => (n > 0 ? Math.log(n) : 0)),
  );
  return { metric: metricId, taus, heads: ref.heads, Tq: ref.Tq, Tk: ref.Tk, rows, flatEntropy, tokens };
}

export const ARGMAX_SERIES = 'rows whose arg-max moved';

export function headSeriesName(h: number): string {
  return `head ${h}`;
}
export function flatSeriesName(h: number | null): string {
  return h === null ? 'flat limit: mean ln(nᵢ)' : `head ${h} flat limit`;
}

/** Whether every head tends to the same flat entropy (one dashed line serves them all). */
function sameFlat(flat: number[]): boolean {
  return flat.every((x) => Math.abs(x - flat[0]) < 1e-6);
}

function temperatureChart(result: TemperatureResult, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const rows = [...result.rows].sort((a, b) => a.tau - b.tau);
  const taus = rows.map((r) => r.tau);
  const range: [number, number] = [Math.min(...taus), Math.max(...taus)];
  const t = titleBlock({
    ...opts,
    title: opts.title ?? 'Entropy and arg-max against the temperature τ',
    subtitle: opts.subtitle ?? `${result.metric} · ${result.heads} head${result.heads === 1 ? '' : 's'} · ${result.Tq} × ${result.Tk}`,
  });
  const one = sameFlat(result.flatEntropy);
  const names = [...Array.from({ length: result.heads }, (_, h) => headSeriesName(h)), ...(one ? [flatSeriesName(null)] : result.flatEntropy.map((_, h) => flatSeriesName(h)))];
  const legendTop = t.height + 4;
  const lg = legendBlock(opts, legendTop, names);
  const plots = stackedPlots(opts, { top: legendTop + lg.height + size + 12, gap: size + 46, bottom: size + 40, minHeight: 120, share: 0.68, left: 58, right: 28 });
  const yMax = niceCeil(Math.max(...result.flatEntropy, ...rows.flatMap((r) => r.entropy), 0.1));

  const heads = Array.from({ length: result.heads }, (_, h) => ({
    type: 'line',
    name: headSeriesName(h),
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: rows.map((r) => [r.tau, r.entropy[h]]),
    symbol: 'circle',
    symbolSize: 6,
    lineStyle: { width: 2, color: seriesColor(opts.theme, h) },
    itemStyle: { color: seriesColor(opts.theme, h) },
    z: 3,
  }));
  const flats = (one ? [result.flatEntropy[0]] : result.flatEntropy).map((value, h) => ({
    type: 'line',
    name: flatSeriesName(one ? null : h),
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: [
      [range[0], value],
      [range[1], value],
    ],
    symbol: 'none',
    lineStyle: { width: 1.5, type: 'dashed', color: one ? pal.reference : seriesColor(opts.theme, h) },
    itemStyle: { color: one ? pal.reference : seriesColor(opts.theme, h) },
    tooltip: { show: false },
    z: 2,
  }));
  const moved = {
    type: 'line',
    name: ARGMAX_SERIES,
    xAxisIndex: 1,
    yAxisIndex: 1,
    data: rows.map((r) => [r.tau, r.argmaxChanged]),
    symbol: 'rect',
    symbolSize: 6,
    step: false,
    areaStyle: { color: pal.bar, opacity: 0.18 },
    lineStyle: { width: 2, color: pal.bar },
    itemStyle: { color: pal.bar },
  };

  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: plots.grid,
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'axis',
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: [number, number]; marker: string }[];
            if (!list.length) return '';
            const tau = list[0].value[0];
            const lines = list.map(
              (p) => `${p.marker}${p.seriesName}: ${p.seriesName === ARGMAX_SERIES ? `${formatValue(p.value[1] * 100)}%` : `${formatValue(p.value[1])} nats`}`,
            );
            return [`τ = ${formatValue(tau)}`, ...lines].join('<br>');
          },
        },
    axisPointer: plots.axisPointer,
    xAxis: [
      logAxis(opts, '', range, 10, { gridIndex: 0, axisLabel: { show: false }, name: undefined }),
      logAxis(opts, 'temperature τ (log scale; small = sharp, large = flat)', range, 10, { gridIndex: 1 }),
    ],
    yAxis: [
      valueAxis(opts, 'mean row entropy (nats)', { gridIndex: 0, min: 0, max: yMax }),
      valueAxis(opts, 'arg-max moved (share of rows)', {
        gridIndex: 1,
        min: 0,
        max: 1,
        splitNumber: 2,
        axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => `${Math.round(v * 100)}%` },
      }),
    ],
    series: [...heads, ...flats, moved],
  } as EChartsOption;
}

export default defineExperiment({
  id: 'temperature',
  title: 'Temperature',
  summary: 'The current configuration at each τ, from sharp to flat: mean entropy per head, and how many rows’ arg-max moves.',
  needsJob: true,
  options,
  run: (ctx, input, o) => runTemperature(ctx, jobInput(input), o),
  // tau, argmax_changed, then entropy, mean max weight and the flat limit per head
  table: (r) => {
    const heads = Array.from({ length: r.heads }, (_, h) => h);
    return {
      header: ['tau', 'argmax_changed', ...heads.map((h) => `entropy_head${h}`), ...heads.map((h) => `max_weight_head${h}`), ...heads.map((h) => `flat_entropy_head${h}`)],
      rows: r.rows.map((x) => [
        float64Text(x.tau),
        float64Text(x.argmaxChanged),
        ...x.entropy.map(float64Text),
        ...x.maxWeight.map(float64Text),
        ...r.flatEntropy.map(float64Text),
      ]),
    };
  },
  chart: temperatureChart,
  files: ['csv', 'json', 'svg', 'png'],
});
