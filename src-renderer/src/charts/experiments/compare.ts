/**
 * Compare metrics (SPEC §6): the same tokens under several score functions. Each metric's
 * weights are a heatmap (the lab's own heatmapOption, one colour range for all so colours
 * compare); the per-row Jensen–Shannon divergence of every pair of metrics is a group of
 * bars per query on [0, ln 2]; and each metric's top-k keys for one query are a table.
 */
import type { EChartsOption } from 'echarts';
import type { HeatmapView } from '../../../../src-shared/api/lab-api';
import type { CompareMetricsResult } from '../../../../src-shared/experiments/types';
import { headHeatmapInput, type HeatmapInput } from '../../../../src-shared/charts/heatmap';
import { displayToken, fontSize, palette } from '../../../../src-shared/charts/theme';
import { catalogueEntry } from '../../../../src-shared/metrics/catalogue';
import { formatValue, label, legendBlock, seriesColor, start, titleBlock, tokenAxis, valueAxis, type TitledOpts } from './common';

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
    yAxis: valueAxis(opts, 'JS divergence (nats)', { min: 0, max: Math.LN2, axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v), showMaxLabel: false } }),
    series: pairs.map(([a, b], p) => ({
      type: 'bar',
      name: names[p],
      data: Array.from(result.js[a][b].subarray(head * result.Tq, (head + 1) * result.Tq)),
      itemStyle: { color: seriesColor(opts.theme, p) },
      barMaxWidth: 18,
      markLine:
        p === 0
          ? {
              silent: true,
              symbol: 'none',
              lineStyle: { color: pal.reference, type: 'dashed', width: 1.5 },
              label: { formatter: 'ln 2: disjoint rows', color: pal.reference, fontSize: size, position: 'insideEndBottom' },
              data: [{ yAxis: Math.LN2 }],
            }
          : undefined,
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
