/**
 * SPEC §6 Compare: two configurations on the same tokens. The difference heatmap (B − A
 * weights, diverging colours centred on 0) and the per-row Jensen–Shannon divergence, which
 * stays finite where one side masks a key the other sees.
 */
import type { EChartsOption } from 'echarts';
import type { HeatmapView } from '../api/lab-api';
import type { AttentionResult } from '../job/problem';
import { jensenShannon } from '../stats';
import { DEFAULT_DIVERGING, colormap } from './colormaps';
import type { HeatmapInput } from './heatmap';
import { headBlocked, headSlice } from './pool';
import { queryAxis, queryLabels, rowTooltip } from './query-axis';
import { baseOption, displayToken, fontSize, formatValue, palette, type ChartOpts } from './theme';

export interface Comparison {
  /** Tq×Tk, B − A weights of the head */
  diff: Float32Array;
  /** Tq, Jensen–Shannon divergence of each row in nats, in [0, ln 2] */
  js: Float32Array;
  /** Tq×Tk, 1 where both A and B mask the pair (its difference means nothing: drawn hatched); null without scores */
  blocked: Uint8Array | null;
}

export function compareResults(a: AttentionResult, b: AttentionResult, head: number): Comparison {
  if (a.Tq !== b.Tq || a.Tk !== b.Tk) {
    throw new Error(`cannot compare a ${a.Tq}×${a.Tk} result with a ${b.Tq}×${b.Tk} one: both runs need the same queries and keys`);
  }
  if (head >= a.heads || head >= b.heads) throw new Error(`head ${head} does not exist in both runs (A has ${a.heads}, B has ${b.heads})`);
  const wa = headSlice(a, head, 'weights');
  const wb = headSlice(b, head, 'weights');
  const { Tq, Tk } = a;
  const diff = new Float32Array(Tq * Tk);
  for (let k = 0; k < diff.length; k++) diff[k] = wb[k] - wa[k];
  const js = new Float32Array(Tq);
  for (let i = 0; i < Tq; i++) js[i] = jensenShannon(wa.subarray(i * Tk, (i + 1) * Tk), wb.subarray(i * Tk, (i + 1) * Tk));
  const ba = headBlocked(a, head);
  const bb = headBlocked(b, head);
  let blocked: Uint8Array | null = null;
  if (ba && bb) {
    blocked = new Uint8Array(Tq * Tk);
    for (let k = 0; k < blocked.length; k++) blocked[k] = ba[k] & bb[k];
  }
  return { diff, js, blocked };
}

/** The difference as a heatmap input: diverging, symmetric about 0, labelled "B − A weight". */
export function diffHeatmapInput(
  diff: Float32Array,
  rows: number,
  cols: number,
  tokens: { queries: string[] | null; keys: string[] | null },
  view: HeatmapView,
  extra: Partial<Pick<HeatmapInput, 'title' | 'caption' | 'range' | 'blocked'>> = {},
): HeatmapInput {
  const cm = colormap(view.colormap);
  return {
    values: diff,
    rows,
    cols,
    rowLabels: tokens.queries,
    colLabels: tokens.keys,
    blocked: null,
    view: { ...view, matrix: 'weights', scale: 'linear', colormap: cm.kind === 'diverging' ? cm.id : DEFAULT_DIVERGING },
    diverging: true,
    valueLabel: 'B − A weight',
    ...extra,
  };
}

/**
 * The top of the divergence axis: ln 2 (disjoint rows) when the bars come near it, else a
 * round number a little above the tallest bar, so small divergences are not flat slivers.
 */
export function divergenceAxisMax(js: ArrayLike<number>): number {
  let hi = 0;
  for (let i = 0; i < js.length; i++) if (js[i] > hi) hi = js[i];
  if (hi >= 0.6 * Math.LN2 || hi <= 0) return Math.LN2;
  const step = 10 ** Math.floor(Math.log10(hi * 1.1));
  const top = Math.ceil((hi * 1.1) / step) * step;
  return Math.min(Math.LN2, Number(top.toPrecision(6)));
}

/** Per-row Jensen–Shannon divergence as bars, on [0, ln 2] (ln 2, disjoint rows, marked) or scaled to the data when it stays well below. */
export function divergenceOption(js: Float32Array, labels: string[] | null, opts: ChartOpts & { title?: string }): EChartsOption {
  const size = fontSize(opts);
  const max = divergenceAxisMax(js);
  const full = max === Math.LN2;
  const pal = palette(opts.theme, opts.forExport);
  const n = js.length;
  const names = queryLabels(labels, n);
  const { bottom, xAxis } = queryAxis(names, opts, 56, 20);
  const top = (opts.title ? size + 24 : 8) + size + 8;
  return {
    ...baseOption(opts),
    title: opts.title ? { text: opts.title, left: 'center', top: 6, textStyle: { color: pal.text, fontSize: size + 3 } } : undefined,
    grid: { left: 56, right: 20, top, bottom, containLabel: false },
    tooltip: rowTooltip(opts, (i) => `${displayToken(names[i], 24)}: JS ${formatValue(js[i])} nats`),
    xAxis,
    yAxis: {
      type: 'value',
      min: 0,
      max,
      name: full ? 'Jensen–Shannon divergence (nats)' : 'Jensen–Shannon divergence (nats; at most ln 2 ≈ 0.693)',
      nameTextStyle: { color: pal.subtle, fontSize: size, align: 'left' },
      axisLine: { show: true, lineStyle: { color: pal.axis } },
      // ln 2 is marked by its own line; its tick label would crowd 0.6
      axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v), showMaxLabel: !full },
      splitLine: { lineStyle: { color: pal.split } },
    },
    series: [
      {
        type: 'bar',
        name: 'Jensen–Shannon divergence',
        data: Array.from(js),
        itemStyle: { color: pal.bar },
        barMaxWidth: 28,
        barCategoryGap: n > 100 ? '0%' : '20%',
        markLine: full
          ? {
              silent: true,
              symbol: 'none',
              lineStyle: { color: pal.reference, type: 'dashed', width: 1.5 },
              label: { formatter: 'ln 2 ≈ 0.693: disjoint rows', color: pal.reference, fontSize: size, position: 'insideEndBottom' },
              data: [{ yAxis: Math.LN2, name: 'ln 2' }],
            }
          : undefined,
      },
    ],
  };
}
