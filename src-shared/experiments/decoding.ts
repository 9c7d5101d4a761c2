/**
 * Decoding (SPEC §6): causal self-attention computed the way a decoder generates, one
 * position at a time. At step t only the new query q_t is computed — a problem with Tq = 1
 * whose keys and values are positions 0..t, the causal offset t making it the last row —
 * while the keys and values of the earlier steps are reused from the cache (here: views of
 * the same arrays, never recomputed). Nothing is ever computed for an earlier query again,
 * which is why a KV cache exists and a Q cache does not.
 *
 * Each step reports the cache size, the score cells it computed (t + 1 per head) against
 * recomputing every row so far ((t + 1)(t + 2)/2 per head), its wall time, and the largest
 * difference between its weights and row t of one full causal run of the whole sequence.
 *
 * The JobSpec's masks are replaced by `causal` (reported in `ignoredMasks`); a score
 * function whose parameters depend on all the keys (Mahalanobis "whiten") keeps the
 * parameters resolved from the whole sequence.
 *
 * The chart: the score cells per step with the cache (t + 1) against recomputing every row
 * so far, step t marked; the app's view adds the cache strip at step t and row t's weights.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionProblem } from '../job/problem';
import { matrix, type Matrix } from '../linalg/matrix';
import { displayToken, fontSize, palette, textWidth } from '../charts/theme';
import { formatValue, label, legendBlock, niceCeil, seriesColor, start, titleBlock, tokenAxis, valueAxis } from '../charts/plot-parts';
import { biasForRow, clampIndex, copyTokens, ExperimentOptionError, jobInput, resolveInput, rowOf, Runs } from './common';
import { float64Text, tokenOr } from './csv';
import { about, wholeNumber } from './fields';
import { EXPERIMENT_LIMITS } from './limits';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const options = {
  steps: v.optional(about(wholeNumber(1, EXPERIMENT_LIMITS.maxSteps, 'a step count'), 'Steps', 'steps to take from t = 0 (empty: every position)')),
};
export type DecodingOptions = OptionsOf<typeof options>;
export interface DecodingStep {
  t: number;
  /** keys and values in the cache at step t (t + 1) */
  cacheSize: number;
  /** score cells computed at this step (t + 1) vs recomputing all rows ((t+1)(t+2)/2) */
  cellsIncremental: number;
  cellsRecompute: number;
  /** wall time of the incremental step */
  ms: number;
  /** max |w_incremental − w_full| over row t, all heads */
  maxDiff: number;
  /** weights of row t, H × (t + 1) */
  weights: Float32Array;
}
export interface DecodingResult {
  heads: number;
  /** positions in the sequence (Tq = Tk = T) */
  T: number;
  steps: DecodingStep[];
  /** wall time of the one full causal run every step is checked against */
  fullMs: number;
  /** max over every step of maxDiff */
  maxDiff: number;
  /** masks of the JobSpec that decoding replaced by causal */
  ignoredMasks: string[];
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** The first `rows` rows of a matrix as a view of the same memory (the cache, not a copy). */
function prefix(m: Matrix, rows: number): Matrix {
  return matrix(rows, m.cols, m.data.subarray(0, rows * m.cols));
}

/** The problem of decoding step t: query t alone against the cached keys and values 0..t. */
export function decodingStepProblem(full: AttentionProblem, t: number): AttentionProblem {
  return {
    ...full,
    q: matrix(1, full.q.cols, full.q.data.subarray(t * full.q.cols, (t + 1) * full.q.cols)),
    k: prefix(full.k, t + 1),
    v: prefix(full.v, t + 1),
    // j ≤ 0 + t: the one query row sees every cached key
    masks: [{ id: 'causal', offset: t }],
    ...biasForRow(full, t),
    outputs: ['weights'],
    overview: undefined,
    tokens: {
      queries: full.tokens.queries ? [full.tokens.queries[t]] : null,
      keys: full.tokens.keys ? full.tokens.keys.slice(0, t + 1) : null,
    },
  };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runDecoding(ctx: ExperimentContext, input: ExperimentInput, options: DecodingOptions): Promise<DecodingResult> {
  const full = resolveInput(input, { mask: [{ id: 'causal' }], outputs: ['weights'] });
  const T = full.q.rows;
  if (full.k.rows !== T) {
    throw new ExperimentOptionError('job', `decoding is self-attention over one sequence: it needs as many queries as keys, got ${T} and ${full.k.rows}`);
  }
  const steps = options.steps ?? T;
  if (!Number.isInteger(steps) || steps < 1 || steps > EXPERIMENT_LIMITS.maxSteps) {
    throw new ExperimentOptionError('options.steps', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxSteps}, got ${steps}`);
  }
  const n = Math.min(steps, T);
  const H = full.heads;
  const ignoredMasks = (input.spec.mask ?? []).map((m) => m.id).filter((id) => id !== 'causal' && id !== 'none');

  const runs = new Runs(ctx, n + 1);
  const t0 = now();
  const reference = await runs.run(full);
  const fullMs = now() - t0;
  const fullWeights = reference.weights!;

  const out: DecodingStep[] = [];
  let worst = 0;
  for (let t = 0; t < n; t++) {
    const s0 = now();
    const r = await runs.run(decodingStepProblem(full, t));
    const ms = now() - s0;
    const weights = Float32Array.from(r.weights!);
    let maxDiff = 0;
    for (let h = 0; h < H; h++) {
      const mine = rowOf(weights, h, 0, 1, t + 1);
      const theirs = rowOf(fullWeights, h, t, T, T);
      for (let j = 0; j <= t; j++) maxDiff = Math.max(maxDiff, Math.abs(mine[j] - theirs[j]));
    }
    worst = Math.max(worst, maxDiff);
    out.push({ t, cacheSize: t + 1, cellsIncremental: t + 1, cellsRecompute: ((t + 1) * (t + 2)) / 2, ms, maxDiff, weights });
  }
  return { heads: H, T, steps: out, fullMs, maxDiff: worst, ignoredMasks, tokens: copyTokens(full) };
}

export interface DecodingCost {
  t: number;
  /** score cells computed at this step with the cache, and recomputing every row so far (per head) */
  incremental: number;
  recompute: number;
  /** the same, summed over steps 0..t */
  totalIncremental: number;
  totalRecompute: number;
  /** recompute / incremental at this step */
  ratio: number;
}

/** Step t's costs, per step and summed, from the experiment's steps. */
export function decodingCost(result: DecodingResult, t: number): DecodingCost | null {
  const steps = result.steps;
  if (steps.length === 0) return null;
  const s = clampIndex(t, steps.length);
  let totalIncremental = 0;
  let totalRecompute = 0;
  for (let i = 0; i <= s; i++) {
    totalIncremental += steps[i].cellsIncremental;
    totalRecompute += steps[i].cellsRecompute;
  }
  const step = steps[s];
  return {
    t: step.t,
    incremental: step.cellsIncremental,
    recompute: step.cellsRecompute,
    totalIncremental,
    totalRecompute,
    ratio: step.cellsIncremental > 0 ? step.cellsRecompute / step.cellsIncremental : 0,
  };
}

/** Row t's weights of one head (length t + 1). */
export function decodingRow(result: DecodingResult, t: number, head: number): Float32Array {
  const step = result.steps[clampIndex(t, result.steps.length)];
  if (!step) return new Float32Array(0);
  const n = step.cacheSize;
  const h = clampIndex(head, result.heads);
  return step.weights.subarray(h * n, (h + 1) * n);
}

export const CACHE_SERIES = {
  fresh: 'computed at step t',
  cached: 'read from the KV cache',
  dropped: 'earlier queries: never needed again',
  future: 'not generated yet',
} as const;

export const CACHE_ROWS = ['V cache', 'K cache', 'query'] as const;

type CellKind = keyof typeof CACHE_SERIES;

/** What each cell of the cache strip is at step t: row r (0 = V, 1 = K, 2 = q), position j. */
export function cacheCell(row: number, j: number, t: number): CellKind {
  if (j > t) return 'future';
  if (j === t) return 'fresh';
  return row === 2 ? 'dropped' : 'cached';
}

export function decodingCacheOption(result: DecodingResult, t: number, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const T = result.T;
  const step = clampIndex(t, result.steps.length);
  const labels = Array.from({ length: T }, (_, j) => label(result.tokens.keys ?? result.tokens.queries, j));
  const tb = titleBlock({ ...opts, title: opts.title ?? `Step t = ${step}: what is computed and what is reused` });
  const legendTop = tb.height + 2;
  const kinds: CellKind[] = ['fresh', 'cached', 'dropped', 'future'];
  const lg = legendBlock(
    opts,
    legendTop,
    kinds.map((k) => CACHE_SERIES[k]),
  );
  const top = legendTop + lg.height + 4;
  const left = 70;
  const right = 16;
  const x = tokenAxis(labels, opts.width - left - right, opts, 'position (token)');
  const gridH = Math.max(48, opts.height - top - x.height - 6);
  const cellW = (opts.width - left - right) / Math.max(1, T);
  const cellH = gridH / 3;
  const accent = seriesColor(opts.theme, 0);
  const fresh = seriesColor(opts.theme, 1);
  const colours: Record<CellKind, Record<string, unknown>> = {
    fresh: { color: fresh },
    cached: { color: accent, opacity: 0.55 },
    dropped: { color: pal.masked, borderColor: pal.hatch, borderWidth: 1, opacity: 0.8 },
    future: { color: 'rgba(0,0,0,0)', borderColor: pal.axis, borderWidth: 1, borderType: 'dashed' },
  };
  const w = Math.max(2, Math.min(cellW - 3, 60));
  const h = Math.max(2, cellH - 6);
  return {
    ...start(opts),
    title: tb.title,
    legend: lg.legend,
    grid: { left, right, top, height: gridH },
    tooltip: opts.forExport
      ? undefined
      : {
          trigger: 'item',
          formatter: (p: { seriesName: string; value: [number, number] }) => {
            const [j, r] = p.value;
            return `${CACHE_ROWS[r]} · position ${j} (${displayToken(labels[j], 20)}): ${p.seriesName}`;
          },
        },
    xAxis: { ...x.axis, splitLine: { show: false } },
    yAxis: {
      type: 'category',
      data: [...CACHE_ROWS],
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { color: pal.text, fontSize: size, fontWeight: 600 },
    },
    series: kinds.map((kind) => ({
      type: 'scatter',
      name: CACHE_SERIES[kind],
      symbol: 'rect',
      symbolSize: [w, h],
      itemStyle: colours[kind],
      data: [0, 1, 2].flatMap((row) =>
        Array.from({ length: T }, (_, j) => j)
          .filter((j) => cacheCell(row, j, step) === kind)
          .map((j) => [j, row]),
      ),
      animation: false,
    })),
  } as EChartsOption;
}

export function decodingRowOption(result: DecodingResult, t: number, head: number, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const T = result.T;
  const step = clampIndex(t, result.steps.length);
  const row = decodingRow(result, step, head);
  const labels = Array.from({ length: T }, (_, j) => label(result.tokens.keys ?? result.tokens.queries, j));
  const q = label(result.tokens.queries, step);
  const tb = titleBlock({
    ...opts,
    title: opts.title ?? `Row ${step} (“${displayToken(q, 14)}”): weights over the cached keys`,
    subtitle: result.heads > 1 ? `head ${head}` : undefined,
  });
  const left = 52;
  const right = 16;
  const x = tokenAxis(labels, opts.width - left - right, opts, 'key');
  let hi = 0;
  for (const v of row) hi = Math.max(hi, v);
  const per = (opts.width - left - right) / Math.max(1, T);
  const futureW = (T - step - 1) * per;
  const futureText = futureW >= textWidth('not generated yet', size) + 8 ? 'not generated yet' : futureW >= textWidth('later', size) + 6 ? 'later' : '';
  return {
    ...start(opts),
    title: tb.title,
    grid: { left, right, top: tb.height + size + 16, bottom: x.height + 4 },
    tooltip: opts.forExport
      ? undefined
      : { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => (v === null || v === undefined ? 'not seen yet' : formatValue(Number(v))) },
    xAxis: x.axis,
    yAxis: valueAxis(opts, 'weight', { min: 0, max: Math.min(1, niceCeil(hi || 1)) }),
    series: [
      {
        type: 'bar',
        name: `weight (row ${step})`,
        data: Array.from({ length: T }, (_, j) => (j < row.length ? { value: row[j], itemStyle: { color: j === step ? seriesColor(opts.theme, 1) : pal.bar } } : null)),
        barMaxWidth: 30,
        label: {
          show: per >= textWidth('0.000', size - 1) + 6 && !opts.small,
          position: 'top',
          color: pal.subtle,
          fontSize: size - 1,
          formatter: (p: { value: number }) => formatValue(p.value),
        },
        markArea:
          step + 1 < T
            ? {
                silent: true,
                itemStyle: { color: pal.split, opacity: 0.45 },
                label: { show: futureText !== '', position: 'insideTop', color: pal.subtle, fontSize: size, formatter: futureText },
                data: [[{ xAxis: step + 1 }, { xAxis: T - 1 }]],
              }
            : undefined,
      },
    ],
  } as EChartsOption;
}

export const COST_SERIES = { incremental: 'with the KV cache: t + 1', recompute: 'recomputing every row: (t+1)(t+2)/2' } as const;

export function decodingCostOption(result: DecodingResult, t: number, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const steps = result.steps;
  const step = clampIndex(t, steps.length);
  const tb = titleBlock({ ...opts, title: opts.title ?? 'Score cells computed per step (per head)' });
  const legendTop = tb.height + 2;
  const lg = legendBlock(opts, legendTop, [COST_SERIES.incremental, COST_SERIES.recompute]);
  const top = legendTop + lg.height + size + 14;
  const left = 52;
  const right = 16;
  const stepLabels = steps.map((s) => String(s.t));
  const hi = niceCeil(Math.max(1, ...steps.map((s) => s.cellsRecompute)));
  return {
    ...start(opts),
    title: tb.title,
    legend: lg.legend,
    grid: { left, right, top, bottom: size + 36 },
    tooltip: opts.forExport ? undefined : { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: {
      type: 'category',
      data: stepLabels,
      name: 'step t',
      nameLocation: 'middle',
      nameGap: size + 14,
      nameTextStyle: { color: pal.subtle, fontSize: size },
      axisLine: { lineStyle: { color: pal.axis } },
      axisLabel: { color: pal.text, fontSize: size },
    },
    yAxis: valueAxis(opts, 'score cells', { min: 0, max: hi }),
    series: [
      {
        type: 'bar',
        name: COST_SERIES.incremental,
        data: steps.map((s, i) => ({ value: s.cellsIncremental, itemStyle: { color: seriesColor(opts.theme, 0), opacity: i === step ? 1 : 0.55 } })),
        barMaxWidth: 22,
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: seriesColor(opts.theme, 1), width: 1.5, type: 'solid' },
          label: { formatter: `t = ${step}`, color: seriesColor(opts.theme, 1), fontSize: size, position: 'end' },
          data: [{ xAxis: step }],
        },
      },
      {
        type: 'line',
        name: COST_SERIES.recompute,
        data: steps.map((s) => s.cellsRecompute),
        symbol: 'circle',
        symbolSize: 5,
        lineStyle: { color: pal.reference, width: 2 },
        itemStyle: { color: pal.reference },
      },
    ],
  } as EChartsOption;
}

export default defineExperiment({
  id: 'decoding',
  title: 'Decoding',
  summary: 'Causal attention one step at a time: at step t only q_t is new, while every k and v so far comes from the cache — and the rows are identical to one full causal run.',
  needsJob: true,
  options,
  view: { t: 0, head: 0 },
  run: (ctx, input, o) => runDecoding(ctx, jobInput(input), o),
  // one row per step: t, cache size, score cells (incremental, recompute, per head), ms, max diff against the full run
  table: (r) => ({
    header: ['t', 'token', 'cache_size', 'cells_incremental', 'cells_recompute', 'ms', 'max_diff'],
    rows: r.steps.map((s) => [s.t, tokenOr(r.tokens.queries, s.t), s.cacheSize, s.cellsIncremental, s.cellsRecompute, float64Text(s.ms), float64Text(s.maxDiff)]),
  }),
  chart: (r, opts) => decodingCostOption(r, opts.view?.t ?? 0, opts),
  files: ['csv', 'json', 'svg', 'png'],
});
