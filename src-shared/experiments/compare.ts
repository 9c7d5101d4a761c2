/**
 * Compare metrics (SPEC §6): the same tokens, masks and normaliser under several score
 * functions. Per metric its weights and the top-k keys of every row; per pair of metrics the
 * Jensen–Shannon divergence (nats, in [0, ln 2]) of each (head, row) of weights.
 *
 * A metric that is the JobSpec's own keeps the JobSpec's parameters (its τ, its matrix…);
 * every other one runs with the catalogue's defaults.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { HeatmapView } from '../api/lab-api';
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { EntrySpec } from '../job/spec';
import { headHeatmapInput, type HeatmapInput } from '../charts/heatmap';
import { displayToken, fontSize, palette } from '../charts/theme';
import { formatValue, label, legendBlock, levelLine, seriesColor, start, titleBlock, tokenAxis, valueAxis, type TitledOpts } from '../charts/plot-parts';
import { catalogueEntry, SCORE_FUNCTIONS } from '../metrics/catalogue';
import { jensenShannon } from '../stats';
import { copyTokens, ExperimentOptionError, jobInput, resolveInput, Runs } from './common';
import { float32Text, tokenOr } from './csv';
import { about, listOf, wholeNumber } from './fields';
import { EXPERIMENT_LIMITS } from './limits';
import { defineExperiment, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const scoreIds = SCORE_FUNCTIONS.map((e) => e.id);
const options = {
  metrics: v.optional(
    about(
      listOf(v.picklist(scoreIds, `expected a score function id: one of ${scoreIds.join(', ')}`), EXPERIMENT_LIMITS.maxMetrics, 'score functions'),
      'Score functions',
      'the score functions to run side by side',
    ),
    ['dot', 'cosine', 'rbf'],
  ),
  k: v.optional(about(wholeNumber(1, EXPERIMENT_LIMITS.maxK, 'k'), 'Top k', 'keys listed per metric'), 3),
};
export type CompareMetricsOptions = OptionsOf<typeof options>;
export interface CompareMetricsResult {
  metrics: string[];
  heads: number;
  Tq: number;
  Tk: number;
  /** k actually used: min(options.k, Tk) */
  k: number;
  tokens: { queries: string[] | null; keys: string[] | null };
  /** per metric: its result (weights always included) */
  results: AttentionResult[];
  /** js[a][b]: per-row Jensen–Shannon divergence (nats) between metric a and b, H×Tq */
  js: Float32Array[][];
  /** per metric: the top-k key indices of each (head, row), H×Tq×k */
  topk: Int32Array[];
}

/** The default choice: the configuration's own score function first, then dot, cosine, rbf (three in all). */
export function defaultCompareMetrics(current: string | undefined): string[] {
  const out: string[] = [];
  for (const id of [current, 'dot', 'cosine', 'rbf']) if (id && scoreIds.includes(id) && !out.includes(id) && out.length < 3) out.push(id);
  return out;
}

/** The JobSpec's metric when it is `id`, else `id` with its defaults. */
export function metricSpecFor(input: ExperimentInput, id: string): EntrySpec {
  return input.spec.metric?.id === id ? input.spec.metric : { id };
}

/** Per-row Jensen–Shannon divergence between two results' weights (same shape), H×Tq. */
export function rowDivergence(a: AttentionResult, b: AttentionResult): Float32Array {
  const { heads, Tq, Tk } = a;
  if (b.heads !== heads || b.Tq !== Tq || b.Tk !== Tk) throw new Error(`cannot compare a ${heads}×${Tq}×${Tk} result with a ${b.heads}×${b.Tq}×${b.Tk} one`);
  const out = new Float32Array(heads * Tq);
  for (let x = 0; x < heads * Tq; x++) out[x] = jensenShannon(a.weights!.subarray(x * Tk, (x + 1) * Tk), b.weights!.subarray(x * Tk, (x + 1) * Tk));
  return out;
}

export async function runCompareMetrics(ctx: ExperimentContext, input: ExperimentInput, options: CompareMetricsOptions): Promise<CompareMetricsResult> {
  const { metrics } = options;
  if (!Array.isArray(metrics) || metrics.length < 1 || metrics.length > EXPERIMENT_LIMITS.maxMetrics) {
    throw new ExperimentOptionError('options.metrics', `expected 1 to ${EXPERIMENT_LIMITS.maxMetrics} score functions`);
  }
  metrics.forEach((id, i) => {
    if (!catalogueEntry('score', id)) throw new ExperimentOptionError(`options.metrics.${i}`, `unknown score function "${id}"`);
  });
  if (!Number.isInteger(options.k) || options.k < 1 || options.k > EXPERIMENT_LIMITS.maxK) {
    throw new ExperimentOptionError('options.k', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxK}, got ${options.k}`);
  }
  // resolve every metric before running any, so a metric that cannot apply fails at once
  const problems: AttentionProblem[] = metrics.map((id, i) => {
    try {
      return resolveInput(input, { metric: metricSpecFor(input, id), outputs: ['weights', 'topk'], topk: options.k });
    } catch (e) {
      throw new ExperimentOptionError(`options.metrics.${i}`, `${id}: ${(e as Error).message}`);
    }
  });
  const runs = new Runs(ctx, problems.length);
  const results: AttentionResult[] = [];
  for (const p of problems) results.push(await runs.run(p));
  const { heads, Tq, Tk } = results[0];
  const js: Float32Array[][] = metrics.map(() => []);
  for (let a = 0; a < metrics.length; a++) {
    js[a][a] = new Float32Array(heads * Tq);
    for (let b = a + 1; b < metrics.length; b++) {
      js[a][b] = rowDivergence(results[a], results[b]);
      // JS is symmetric: one array serves both orders
      js[b][a] = js[a][b];
    }
  }
  const k = problems[0].topk;
  const topk = results.map((r) => Int32Array.from(r.topkIndices ?? new Int32Array(heads * Tq * k).fill(-1)));
  return { metrics: [...metrics], heads, Tq, Tk, k, tokens: copyTokens(problems[0]), results, js, topk };
}

/** A score function's name as the catalogue writes it ("Cosine"), or its id. */
export function metricLabel(id: string): string {
  return catalogueEntry('score', id)?.label ?? id;
}

/** Every pair of metrics (a < b), in order. */
export function metricPairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) out.push([a, b]);
  return out;
}

/** One colour range [0, max weight] over every metric's head, so the heatmaps compare. */
export function sharedWeightRange(result: CompareMetricsResult, head: number): [number, number] {
  let hi = 0;
  const { Tq, Tk } = result;
  for (const r of result.results) {
    const w = r.weights;
    if (!w) continue;
    for (let k = head * Tq * Tk; k < (head + 1) * Tq * Tk; k++) if (w[k] > hi) hi = w[k];
  }
  return [0, hi > 0 ? hi : 1];
}

/** Metric m's weights (one head) as the lab's heatmap input, titled with the metric's name. */
export function compareHeatmapInput(result: CompareMetricsResult, m: number, head: number, colormap: string): HeatmapInput {
  const view: HeatmapView = { matrix: 'weights', colormap, scale: 'linear', head };
  return headHeatmapInput(result.results[m], result.tokens, view, { title: metricLabel(result.metrics[m]), range: sharedWeightRange(result, head) });
}

/** Mean over rows of one pair's per-row divergence (one head). */
export function meanDivergence(result: CompareMetricsResult, a: number, b: number, head: number): number {
  const js = result.js[a][b];
  let s = 0;
  for (let i = 0; i < result.Tq; i++) s += js[head * result.Tq + i];
  return result.Tq > 0 ? s / result.Tq : 0;
}

export function pairName(result: CompareMetricsResult, a: number, b: number): string {
  return `${result.metrics[a]} ↔ ${result.metrics[b]}`;
}

/** Per-row JS divergence of each pair of metrics, grouped bars per query. */
export function compareDivergenceOption(result: CompareMetricsResult, head: number, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const pairs = metricPairs(result.metrics.length);
  const names = pairs.map(([a, b]) => pairName(result, a, b));
  const t = titleBlock({ ...opts, title: opts.title ?? `Jensen–Shannon divergence per query · head ${head}` });
  const legendTop = t.height + 2;
  const lg = legendBlock(opts, legendTop, names);
  const top = legendTop + lg.height + size + 12;
  const left = 56;
  const right = 20;
  const labels = Array.from({ length: result.Tq }, (_, i) => label(result.tokens.queries, i));
  const x = tokenAxis(labels, opts.width - left - right, opts, 'query');
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: { left, right, top, bottom: x.height + 6 },
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          formatter: (params: unknown) => {
            const list = params as { seriesName: string; value: number; marker: string; dataIndex: number }[];
            if (!list.length) return '';
            return [displayToken(labels[list[0].dataIndex], 24), ...list.map((p) => `${p.marker}${p.seriesName}: ${formatValue(p.value)} nats`)].join('<br>');
          },
        },
    xAxis: x.axis,
    yAxis: valueAxis(opts, 'JS divergence (nats)', {
      min: 0,
      max: Math.LN2,
      axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v), showMaxLabel: false },
    }),
    series: pairs.map(([a, b], p) => ({
      type: 'bar',
      name: names[p],
      data: Array.from(result.js[a][b].subarray(head * result.Tq, (head + 1) * result.Tq)),
      itemStyle: { color: seriesColor(opts.theme, p) },
      barMaxWidth: 18,
      markLine: p === 0 ? levelLine(opts, Math.LN2, 'ln 2: disjoint rows', 'insideEndBottom') : undefined,
    })),
  } as EChartsOption;
}

export interface TopKCell {
  key: number;
  token: string;
  weight: number;
}

/** Each metric's top-k keys of one (head, query), best first, with their weights. */
export function topKTable(result: CompareMetricsResult, head: number, query: number): { metric: string; label: string; cells: TopKCell[] }[] {
  const { Tq, Tk, k } = result;
  const row = head * Tq + query;
  return result.metrics.map((id, m) => {
    const idx = result.topk[m].subarray(row * k, (row + 1) * k);
    const w = result.results[m].weights;
    const cells: TopKCell[] = [];
    for (const j of idx) if (j >= 0) cells.push({ key: j, token: label(result.tokens.keys, j), weight: w ? w[row * Tk + j] : NaN });
    return { metric: id, label: metricLabel(id), cells };
  });
}

/** One row per (head, query): the JS divergence of every pair of metrics, then each metric's top-k keys (space-separated). */
function compareTable(result: CompareMetricsResult) {
  const { metrics, heads, Tq, k } = result;
  const pairs = metricPairs(metrics.length);
  const rows: (string | number)[][] = [];
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < Tq; i++) {
      const x = h * Tq + i;
      rows.push([
        h,
        i,
        tokenOr(result.tokens.queries, i),
        ...pairs.map(([a, b]) => float32Text(result.js[a][b][x])),
        ...metrics.map((_, m) =>
          Array.from(result.topk[m].subarray(x * k, (x + 1) * k))
            .filter((j) => j >= 0)
            .join(' '),
        ),
      ]);
    }
  }
  return { header: ['head', 'row', 'query', ...pairs.map(([a, b]) => `js_${metrics[a]}_${metrics[b]}`), ...metrics.map((m) => `top${k}_${m}`)], rows };
}

export default defineExperiment({
  id: 'compare',
  title: 'Compare metrics',
  summary: 'The current tokens, masks and normaliser under several score functions: their weights side by side, per-row Jensen–Shannon divergence, and each one’s top-k keys.',
  needsJob: true,
  options,
  defaultsFor: (spec) => ({ metrics: defaultCompareMetrics(spec?.metric?.id) }),
  view: { head: 0, query: 0 },
  run: (ctx, input, o) => runCompareMetrics(ctx, jobInput(input), o),
  table: compareTable,
  chart: (r, opts) => compareDivergenceOption(r, opts.view?.head ?? 0, opts),
  files: ['csv', 'json', 'svg', 'png'],
});
