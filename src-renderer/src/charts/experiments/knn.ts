/**
 * k-NN view (SPEC §6): for one query, the k keys its score function ranks best, best first,
 * each with its soft weight (the job as it is) beside its hard weight (the same job with a
 * top-k mask: the k best keys renormalised, every other key 0). The score of each key is the
 * line on the right axis.
 */
import type { EChartsOption } from 'echarts';
import type { KnnView } from '../../../../src-shared/experiments/types';
import { displayToken, fontSize, palette } from '../../../../src-shared/charts/theme';
import { formatValue, label, legendBlock, niceCeil, seriesColor, start, titleBlock, tokenAxis, valueAxis, type TitledOpts } from './common';

export const KNN_SERIES = { soft: 'soft weight (all keys)', hard: 'hard top-k weight', score: 'score s(q, k)' } as const;

/** "#1 cat" … : rank and token of each of the k best keys. */
export function knnLabels(view: KnnView): string[] {
  return view.keys.map((e, r) => `#${r + 1} ${displayToken(label(view.tokens.keys, e.key), 12)}`);
}

export function knnOption(view: KnnView, opts: TitledOpts): EChartsOption {
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
      {
        type: 'bar',
        name: KNN_SERIES.soft,
        data: view.keys.map((e) => e.weight),
        itemStyle: { color: seriesColor(opts.theme, 0) },
        barMaxWidth: 28,
        label: { show: showValues, position: 'top', color: pal.subtle, fontSize: size - 1, formatter: (p: { value: number }) => formatValue(p.value) },
      },
      {
        type: 'bar',
        name: KNN_SERIES.hard,
        data: view.keys.map((e) => e.hardWeight),
        itemStyle: { color: seriesColor(opts.theme, 3) },
        barMaxWidth: 28,
        label: { show: showValues, position: 'top', color: pal.subtle, fontSize: size - 1, formatter: (p: { value: number }) => formatValue(p.value) },
      },
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
