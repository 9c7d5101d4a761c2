/**
 * Ranking: the job's scores under three normalisers — softmax, rank (weights from the order
 * alone) and sinkhorn (rows and columns balanced) — side by side. Per row the entropy of each;
 * per key the column sums (how much attention each key receives: sinkhorn pushes them towards
 * Tq/Tk); per pair of normalisers the share of rows whose top-1 key agrees.
 *
 * The job's score function, masks and heads are kept; only the normaliser changes.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import type { AttentionResult } from '../job/problem';
import type { EntrySpec } from '../job/spec';
import { fontSize } from '../charts/theme';
import { label, legendBlock, levelLine, seriesColor, start, titleBlock, tokenAxis, valueAxis, type TitledOpts } from '../charts/plot-parts';
import { copyTokens, jobInput, resolveInput, Runs } from './common';
import { float32Text, tokenOr } from './csv';
import { about, wholeNumber } from './fields';
import { defineExperiment, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const options = {
  tau: v.optional(
    about(
      v.pipe(v.number('expected a number'), v.finite('expected a finite number'), v.gtValue(0, 'expected a number > 0')),
      'Rank τ',
      'rank normaliser: weight decay per rank, exp(−r/τ)',
    ),
    1,
  ),
  iterations: v.optional(about(wholeNumber(1, 200, 'a number of rounds'), 'Sinkhorn rounds', 'sinkhorn normaliser: rounds of column then row normalisation'), 20),
};
export type RankingOptions = OptionsOf<typeof options>;

export const RANKING_NORMALIZERS = ['softmax', 'rank', 'sinkhorn'] as const;

export interface RankingResult {
  normalizers: string[];
  heads: number;
  Tq: number;
  Tk: number;
  tokens: { queries: string[] | null; keys: string[] | null };
  /** per normaliser: entropy per (head, row), H×Tq */
  entropy: Float32Array[];
  /** per normaliser: the top-1 key per (head, row), −1 for an empty row, H×Tq */
  top1: Int32Array[];
  /** per normaliser: the column sums of the weights per (head, key), H×Tk */
  columnSums: Float32Array[];
  /** agreement[a][b][h]: the share of head h's non-empty rows where a and b pick the same top-1 key */
  agreement: number[][][];
  /** sinkhorn's final largest |column sum − Tq/Tk| */
  columnDeviation: number;
}

function normalizerSpecs(o: RankingOptions): EntrySpec[] {
  return [{ id: 'softmax' }, { id: 'rank', tau: o.tau }, { id: 'sinkhorn', iterations: o.iterations }];
}

/** Σ_i w_ij per (head, key). */
export function columnSums(r: AttentionResult): Float32Array {
  const { heads, Tq, Tk } = r;
  const w = r.weights!;
  const out = new Float64Array(heads * Tk);
  for (let h = 0; h < heads; h++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) out[h * Tk + j] += w[(h * Tq + i) * Tk + j];
  return Float32Array.from(out);
}

/** Per head, the share of rows (non-empty in both) whose top-1 keys agree; 1 for a head with none. */
export function topOneAgreement(a: Int32Array, b: Int32Array, heads: number, Tq: number): number[] {
  return Array.from({ length: heads }, (_, h) => {
    let rows = 0;
    let same = 0;
    for (let i = h * Tq; i < (h + 1) * Tq; i++) {
      if (a[i] < 0 || b[i] < 0) continue;
      rows++;
      if (a[i] === b[i]) same++;
    }
    return rows > 0 ? same / rows : 1;
  });
}

export async function runRanking(ctx: ExperimentContext, input: ExperimentInput, o: RankingOptions): Promise<RankingResult> {
  const problems = normalizerSpecs(o).map((normalizer) => resolveInput(input, { normalizer, outputs: ['weights'] }));
  const runs = new Runs(ctx, problems.length);
  const results: AttentionResult[] = [];
  for (const p of problems) results.push(await runs.run(p));
  const { heads, Tq, Tk } = results[0];
  const top1 = results.map((r) => Int32Array.from(r.argmax));
  return {
    normalizers: [...RANKING_NORMALIZERS],
    heads,
    Tq,
    Tk,
    tokens: copyTokens(problems[0]),
    entropy: results.map((r) => Float32Array.from(r.entropy)),
    top1,
    columnSums: results.map(columnSums),
    agreement: top1.map((a) => top1.map((b) => topOneAgreement(a, b, heads, Tq))),
    columnDeviation: results[2].columnDeviation ?? 0,
  };
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** The chart's subtitle: top-1 agreement of each pair on the head, and sinkhorn's column deviation. */
function agreementLine(r: RankingResult, head: number): string {
  const [s, k, n] = [0, 1, 2];
  const a = (x: number, y: number) => percent(r.agreement[x][y][head] ?? 1);
  return `top-1 agreement: softmax–rank ${a(s, k)}, softmax–sinkhorn ${a(s, n)}, rank–sinkhorn ${a(k, n)} · sinkhorn max |column sum − Tq/Tk| ${float32Text(r.columnDeviation)}`;
}

/** Left: entropy per query; right: column sums per key, with the balanced level Tq/Tk dashed. */
export function rankingOption(r: RankingResult, head: number, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const t = titleBlock({ ...opts, title: opts.title ?? `Softmax, rank and sinkhorn · head ${head}`, subtitle: opts.subtitle ?? agreementLine(r, head) });
  const lg = legendBlock(opts, t.height + 2, r.normalizers);
  const top = t.height + 2 + lg.height + size + 12;
  const gap = 64;
  const half = (opts.width - 56 - 20 - gap) / 2;
  const queries = Array.from({ length: r.Tq }, (_, i) => label(r.tokens.queries, i));
  const keys = Array.from({ length: r.Tk }, (_, j) => label(r.tokens.keys, j));
  const xq = tokenAxis(queries, half, opts, 'query');
  const xk = tokenAxis(keys, half, opts, 'key');
  const bottom = Math.max(xq.height, xk.height) + 6;
  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    tooltip: opts.forExport ? undefined : { trigger: 'axis' },
    grid: [
      { left: 56, top, bottom, width: half },
      { left: 56 + half + gap, top, bottom, width: half },
    ],
    xAxis: [
      { ...xq.axis, gridIndex: 0 },
      { ...xk.axis, gridIndex: 1 },
    ],
    yAxis: [
      { ...valueAxis(opts, 'entropy (nats)', { min: 0 }), gridIndex: 0 },
      { ...valueAxis(opts, 'column sum', { min: 0 }), gridIndex: 1 },
    ],
    series: r.normalizers.flatMap((name, n) => {
      const line = (axis: number, data: Float32Array) => ({
        type: 'line',
        name,
        xAxisIndex: axis,
        yAxisIndex: axis,
        data: Array.from(data),
        itemStyle: { color: seriesColor(opts.theme, n) },
        lineStyle: { color: seriesColor(opts.theme, n) },
      });
      return [
        line(0, r.entropy[n].subarray(head * r.Tq, (head + 1) * r.Tq)),
        { ...line(1, r.columnSums[n].subarray(head * r.Tk, (head + 1) * r.Tk)), markLine: n === 0 ? levelLine(opts, r.Tq / r.Tk, 'Tq/Tk') : undefined },
      ];
    }),
  } as EChartsOption;
}

/**
 * One long table: per (head, query) its entropy and top-1 key under each normaliser, then per
 * (head, key) its column sums; `quantity` says which.
 */
function rankingTable(r: RankingResult) {
  const rows: (string | number)[][] = [];
  for (let h = 0; h < r.heads; h++) {
    for (let i = 0; i < r.Tq; i++) rows.push([h, 'entropy', i, tokenOr(r.tokens.queries, i), ...r.entropy.map((e) => float32Text(e[h * r.Tq + i]))]);
    for (let i = 0; i < r.Tq; i++) rows.push([h, 'top1', i, tokenOr(r.tokens.queries, i), ...r.top1.map((t) => t[h * r.Tq + i])]);
    for (let j = 0; j < r.Tk; j++) rows.push([h, 'column_sum', j, tokenOr(r.tokens.keys, j), ...r.columnSums.map((c) => float32Text(c[h * r.Tk + j]))]);
  }
  return { header: ['head', 'quantity', 'index', 'token', ...r.normalizers], rows };
}

export default defineExperiment({
  id: 'ranking',
  title: 'Ranking',
  summary: 'The job’s scores under softmax, rank and sinkhorn: entropy per row, column sums per key, and how often their top-1 keys agree.',
  needsJob: true,
  options,
  view: { head: 0 },
  run: (ctx, input, o) => runRanking(ctx, jobInput(input), o),
  table: rankingTable,
  chart: (r, opts) => rankingOption(r, opts.view?.head ?? 0, opts),
  files: ['csv', 'json', 'svg', 'png'],
});
