/**
 * k-NN view (SPEC §6): for one query, the k keys its score function ranks
 * best (ties to the lower index, among the keys its masks leave visible), with their scores
 * and soft weights, next to the weights of hard k-NN attention — the same job with a
 * `topk` mask of k appended. Under softmax the hard weights are the soft weights of those k
 * keys renormalised to sum to 1; `massOutside` is the soft weight the hard version drops.
 */
import type { EChartsOption } from 'echarts';
import * as v from 'valibot';
import { topK } from '../stats';
import { displayToken, fontSize, palette } from '../charts/theme';
import { formatValue, label, legendBlock, niceCeil, seriesColor, start, titleBlock, tokenAxis, valueAxis } from '../charts/plot-parts';
import { checkQuery, copyTokens, ExperimentOptionError, jobInput, resolveInput, rowOf, rowProblem, Runs } from './common';
import { float32Text, tokenOr } from './csv';
import { about, headOption, lastQueryOption, wholeNumber } from './fields';
import { EXPERIMENT_LIMITS } from './limits';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const options = {
  query: lastQueryOption,
  head: headOption,
  k: v.optional(about(wholeNumber(1, EXPERIMENT_LIMITS.maxK, 'k'), 'k', 'keys kept by the hard top-k mask'), 3),
};
export type KnnOptions = OptionsOf<typeof options>;
/** k-NN view of one query: soft weights vs the hard top-k mask. */
export interface KnnView {
  /** the query row looked at (the option, or the last row when it was left out) */
  query: number;
  head: number;
  k: number;
  /** the k best keys under the current score function, best first */
  keys: { key: number; score: number; weight: number; hardWeight: number }[];
  /** mass the soft attention puts outside the k best keys */
  massOutside: number;
  /** the score function ranking the keys */
  metric: string;
  /** keys the query may see under the job's masks (n_i) */
  visible: number;
  /** entropy (nats) of the soft row and of the hard top-k row */
  softEntropy: number;
  hardEntropy: number;
  tokens: { queries: string[] | null; keys: string[] | null };
}

export async function runKnn(ctx: ExperimentContext, input: ExperimentInput, options: KnnOptions): Promise<KnnView> {
  const head = options.head ?? 0;
  const { k } = options;
  if (!Number.isInteger(k) || k < 1 || k > EXPERIMENT_LIMITS.maxK)
    throw new ExperimentOptionError('options.k', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxK}, got ${k}`);
  const soft = resolveInput(input, { outputs: ['scores', 'weights'] });
  const query = checkQuery(soft, options.query, head);
  const hard = resolveInput(input, { mask: [...(input.spec.mask ?? []), { id: 'topk', k }], outputs: ['weights'] });

  const runs = new Runs(ctx, 2);
  const s = await runs.run(rowProblem(soft, query));
  const h = await runs.run(rowProblem(hard, query));
  const Tk = s.Tk;
  const scores = rowOf(s.scores!, head, 0, 1, Tk);
  const weights = rowOf(s.weights!, head, 0, 1, Tk);
  const hardWeights = rowOf(h.weights!, head, 0, 1, Tk);
  const visible = Uint8Array.from(scores, (x) => (x === -Infinity ? 0 : 1));
  const best = topK(scores, Math.min(k, Tk), visible);
  const keys: KnnView['keys'] = [];
  const chosen = new Set<number>();
  for (let r = 0; r < best.indices.length; r++) {
    const j = best.indices[r];
    if (j < 0) break;
    chosen.add(j);
    keys.push({ key: j, score: scores[j], weight: weights[j], hardWeight: hardWeights[j] });
  }
  let massOutside = 0;
  for (let j = 0; j < Tk; j++) if (!chosen.has(j)) massOutside += weights[j];
  return {
    query,
    head,
    k,
    keys,
    massOutside,
    metric: input.spec.metric?.id ?? 'dot',
    visible: s.visible[head],
    softEntropy: s.entropy[head],
    hardEntropy: h.entropy[head],
    tokens: copyTokens(soft),
  };
}

export const KNN_SERIES = { soft: 'soft weight (all keys)', hard: 'hard top-k weight', score: 'score s(q, k)' } as const;

/** "#1 cat" … : rank and token of each of the k best keys. */
export function knnLabels(view: KnnView): string[] {
  return view.keys.map((e, r) => `#${r + 1} ${displayToken(label(view.tokens.keys, e.key), 12)}`);
}

export function knnOption(view: KnnView, opts: ExperimentChartOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const q = label(view.tokens.queries, view.query);
  const tb = titleBlock({
    ...opts,
    title: opts.title ?? `The ${view.keys.length} best keys of “${displayToken(q, 16)}” under ${view.metric}`,
    subtitle: opts.subtitle ?? `head ${view.head} · soft attention puts ${formatValue(view.massOutside * 100)}% of its weight outside them`,
  });
  const legendTop = tb.height + 2;
  const lg = legendBlock(opts, legendTop, [KNN_SERIES.soft, KNN_SERIES.hard, KNN_SERIES.score]);
  const top = legendTop + lg.height + size + 12;
  const left = 56;
  const right = 64;
  const labels = knnLabels(view);
  const x = tokenAxis(labels, opts.width - left - right, opts, 'key, by rank', 16);
  const hi = niceCeil(Math.max(0.01, ...view.keys.map((e) => Math.max(e.weight, e.hardWeight))));
  const scores = view.keys.map((e) => e.score).filter((s) => Number.isFinite(s));
  const sLo = Math.min(0, ...scores);
  const sHi = Math.max(0, ...scores);
  const pad = (sHi - sLo || 1) * 0.1;
  const showValues = view.keys.length <= 12 && !opts.small;
  // the soft and the hard top-k weights: the same bars in two colours
  const weightBars = (name: string, data: number[], colour: number) => ({
    type: 'bar' as const,
    name,
    data,
    itemStyle: { color: seriesColor(opts.theme, colour) },
    barMaxWidth: 28,
    label: { show: showValues, position: 'top' as const, color: pal.subtle, fontSize: size - 1, formatter: (p: { value: number }) => formatValue(p.value) },
    // two small bars side by side: a value that would overprint its neighbour's is left to the tooltip
    labelLayout: { hideOverlap: true },
  });
  return {
    ...start(opts),
    title: tb.title,
    legend: lg.legend,
    grid: { left, right, top, bottom: x.height + 4 },
    tooltip: opts.forExport ? undefined : { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: (v: unknown) => formatValue(Number(v)) },
    xAxis: x.axis,
    yAxis: [
      valueAxis(opts, 'weight', { min: 0, max: Math.min(1, hi) }),
      valueAxis(opts, 'score', {
        position: 'right',
        min: Number((sLo - (sLo < 0 ? pad : 0)).toPrecision(3)),
        max: Number((sHi + pad).toPrecision(3)),
        splitLine: { show: false },
        nameTextStyle: { color: pal.subtle, fontSize: size, align: 'right' },
      }),
    ],
    series: [
      weightBars(
        KNN_SERIES.soft,
        view.keys.map((e) => e.weight),
        0,
      ),
      weightBars(
        KNN_SERIES.hard,
        view.keys.map((e) => e.hardWeight),
        3,
      ),
      {
        type: 'line',
        name: KNN_SERIES.score,
        yAxisIndex: 1,
        data: view.keys.map((e) => (Number.isFinite(e.score) ? e.score : null)),
        symbol: 'circle',
        symbolSize: 7,
        lineStyle: { color: pal.subtle, width: 1.5, type: 'dotted' },
        itemStyle: { color: pal.subtle },
        z: 4,
      },
    ],
  } as EChartsOption;
}

export default defineExperiment({
  id: 'knn',
  title: 'k-NN',
  summary: 'For one query, the k keys the score function ranks best, their scores and soft weights, beside hard k-NN attention (the same job with a top-k mask).',
  needsJob: true,
  options,
  run: (ctx, input, o) => runKnn(ctx, jobInput(input), o),
  // rank, key, token, score, soft weight, hard (top-k) weight
  table: (r) => ({
    header: ['rank', 'key', 'token', 'score', 'weight', 'hard_weight'],
    rows: r.keys.map((e, i) => [i + 1, e.key, tokenOr(r.tokens.keys, e.key), float32Text(e.score), float32Text(e.weight), float32Text(e.hardWeight)]),
  }),
  chart: knnOption,
  files: ['csv', 'json', 'svg', 'png'],
});
