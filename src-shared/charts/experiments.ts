/**
 * One chart per experiment of SPEC §6, as pure ECharts option builders: the app's views can
 * mount them and `qklab experiment … --out DIR` renders them to SVG/PNG headlessly.
 *
 * Chart types used: line, bar, heatmap, and scatter (geometry). A renderer built on
 * echarts/core must register ScatterChart for the geometry chart.
 */
import type { EChartsOption } from 'echarts';
import type {
  CompareMetricsResult,
  DecodingResult,
  ExperimentName,
  ExperimentResultMap,
  GeometryView,
  KnnView,
  ScalingResult,
  TemperatureResult,
} from '../experiments/types';
import { colormap, DEFAULT_SEQUENTIAL } from './colormaps';
import { baseOption, displayToken, fontSize, formatValue, palette, textWidth, type ChartOpts } from './theme';

export interface ExperimentChartOpts extends ChartOpts {
  title?: string;
}

/** Series colours beyond the palette's bar and reference colours (readable on light and dark). */
const SERIES = ['#4a78b5', '#d9822b', '#3a9a5b', '#b5486f', '#7a5fb5', '#2aa3a3', '#9a8a2b', '#5a6b7d'];

/** Rows the legend wraps to at this width (ECharts lays items left to right, 14 px apart, each icon ~25 px + text). */
function legendRows(names: string[], width: number, size: number): number {
  let rows = 1;
  let x = 0;
  for (const n of names) {
    const w = 25 + 5 + textWidth(n, size) + 14;
    if (x > 0 && x + w > width - 20) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return names.length ? rows : 0;
}

function frame(opts: ExperimentChartOpts, defaultTitle: string, legend: string[] = []) {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const title = opts.title ?? defaultTitle;
  const top = (title ? size + 18 : 6) + legendRows(legend, opts.width, size) * (size + 12) + 18;
  return {
    size,
    pal,
    top,
    base: {
      ...baseOption(opts),
      title: title ? { text: title, left: 'center', top: 6, textStyle: { color: pal.text, fontSize: size + 3 } } : undefined,
      legend: { top: title ? size + 18 : 6, textStyle: { color: pal.text, fontSize: size }, itemGap: 14 },
      tooltip: opts.forExport ? undefined : { trigger: 'axis' as const, valueFormatter: (v: unknown) => (typeof v === 'number' ? formatValue(v) : String(v)) },
    },
  };
}

function valueAxis(pal: ReturnType<typeof palette>, size: number, name: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'value' as const,
    name,
    nameLocation: 'middle' as const,
    nameGap: 36,
    nameTextStyle: { color: pal.subtle, fontSize: size },
    axisLine: { show: true, lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v) },
    splitLine: { lineStyle: { color: pal.split } },
    ...extra,
  };
}

/** Scaling: mean row entropy against the width (log₂ axis), unscaled and scaled, with ln n. */
export function scalingChartOption(result: ScalingResult, opts: ExperimentChartOpts): EChartsOption {
  const { size, pal, top, base } = frame(opts, `Softmax entropy vs width (n = ${result.options.n}, ${result.options.trials} trial${result.options.trials === 1 ? '' : 's'})`, ['q·k (unscaled)', 'q·k / sqrt(dim)', 'ln n (uniform)']);
  const pts = (f: (r: ScalingResult['rows'][number]) => number) => result.rows.map((r) => [r.dim, f(r)]);
  return {
    ...base,
    grid: { left: 60, right: 24, top, bottom: 52 },
    xAxis: valueAxis(pal, size, 'dim (log scale)', { type: 'log', logBase: 2, min: 'dataMin', max: 'dataMax', nameGap: 30, axisLabel: { color: pal.text, fontSize: size } }),
    yAxis: valueAxis(pal, size, 'mean row entropy (nats)', { min: 0 }),
    series: [
      { type: 'line', name: 'q·k (unscaled)', data: pts((r) => r.unscaled), color: SERIES[1], symbolSize: 7 },
      { type: 'line', name: 'q·k / sqrt(dim)', data: pts((r) => r.scaled), color: SERIES[0], symbolSize: 7 },
      { type: 'line', name: 'ln n (uniform)', data: pts((r) => r.max), color: pal.reference, lineStyle: { type: 'dashed' }, showSymbol: false },
    ],
  } as EChartsOption;
}

/** Temperature: entropy per head against τ (log axis), the flat limit per head, and the arg-max drift. */
export function temperatureChartOption(result: TemperatureResult, opts: ExperimentChartOpts): EChartsOption {
  const series: Record<string, unknown>[] = [];
  const many = result.heads > 1;
  // heads with the same masks share one flat limit: draw it once
  const sameFlat = result.flatEntropy.every((x) => Math.abs(x - result.flatEntropy[0]) < 1e-9);
  for (let h = 0; h < result.heads; h++) {
    const color = SERIES[h % SERIES.length];
    series.push({ type: 'line', name: many ? `entropy, head ${h}` : 'mean entropy', data: result.rows.map((r) => [r.tau, r.entropy[h]]), color, symbolSize: 6 });
    if (sameFlat && h > 0) continue;
    series.push({
      type: 'line',
      name: many && !sameFlat ? `mean ln nᵢ, head ${h}` : 'mean ln nᵢ (flat limit)',
      data: result.rows.map((r) => [r.tau, result.flatEntropy[h]]),
      color: sameFlat ? '#888888' : color,
      lineStyle: { type: 'dashed', width: 1 },
      showSymbol: false,
    });
  }
  const pal0 = palette(opts.theme, opts.forExport);
  series.push({ type: 'line', name: 'arg-max changed (right axis)', yAxisIndex: 1, data: result.rows.map((r) => [r.tau, r.argmaxChanged]), color: pal0.reference, symbol: 'diamond', symbolSize: 6 });
  const { size, pal, top, base } = frame(opts, `Temperature sweep (${result.metric})`, series.map((x) => String(x.name)));
  return {
    ...base,
    grid: { left: 60, right: 64, top, bottom: 52 },
    xAxis: valueAxis(pal, size, 'τ (log scale)', { type: 'log', min: 'dataMin', max: 'dataMax', nameGap: 30 }),
    yAxis: [
      valueAxis(pal, size, 'mean row entropy (nats)', { min: 0 }),
      valueAxis(pal, size, 'fraction of rows', { min: 0, max: 1, splitLine: { show: false }, nameGap: 40 }),
    ],
    series,
  } as EChartsOption;
}

/** Compare metrics: the mean (over rows) Jensen–Shannon divergence of every pair of metrics, for one head. */
export function compareMetricsChartOption(result: CompareMetricsResult, opts: ExperimentChartOpts & { head?: number; colormap?: string }): EChartsOption {
  const head = opts.head ?? 0;
  const { size, pal, top, base } = frame(opts, `Mean Jensen–Shannon divergence between metrics${result.heads > 1 ? ` (head ${head})` : ''}`);
  const M = result.metrics.length;
  const data: [number, number, number][] = [];
  for (let a = 0; a < M; a++) {
    for (let b = 0; b < M; b++) {
      const row = result.js[a][b].subarray(head * result.Tq, (head + 1) * result.Tq);
      let s = 0;
      for (const x of row) s += x;
      data.push([b, a, result.Tq ? s / result.Tq : 0]);
    }
  }
  const cm = colormap(opts.colormap ?? DEFAULT_SEQUENTIAL);
  return {
    ...base,
    legend: undefined,
    tooltip: opts.forExport ? undefined : { formatter: (p: unknown) => { const [b, a, v] = (p as { value: [number, number, number] }).value; return `${result.metrics[a]} vs ${result.metrics[b]}: ${formatValue(v)} nats`; } },
    grid: { left: 96, right: 90, top, bottom: 60 },
    xAxis: { type: 'category', data: result.metrics, axisLabel: { color: pal.text, fontSize: size }, axisLine: { lineStyle: { color: pal.axis } } },
    yAxis: { type: 'category', data: result.metrics, inverse: true, axisLabel: { color: pal.text, fontSize: size }, axisLine: { lineStyle: { color: pal.axis } } },
    visualMap: { min: 0, max: Math.LN2, calculable: false, orient: 'vertical', right: 8, top: 'middle', text: ['ln 2', '0'], textStyle: { color: pal.text, fontSize: size }, inRange: { color: cm.stops } },
    series: [
      {
        type: 'heatmap',
        // light text on the dark low end of a sequential map, dark text on the light high end
        data: data.map((value) => ({ value, label: { color: value[2] / Math.LN2 < 0.6 ? '#ffffff' : '#222222' } })),
        label: { show: M <= 8, fontSize: size, formatter: (p: unknown) => formatValue((p as { value: number[] }).value[2]) },
      },
    ],
  } as EChartsOption;
}

/** Geometry: the 2-D plane with queries, keys, values, arrows from the chosen query (width ∝ weight) and the output centroid. */
export function geometryChartOption(view: GeometryView, opts: ExperimentChartOpts & { maxArrows?: number }): EChartsOption {
  const axes = view.projected ? ['PC 1', 'PC 2'] : ['x₁', 'x₂'];
  const explained = view.projected ? ` (${(100 * view.explained[0]).toFixed(0)}% + ${(100 * view.explained[1]).toFixed(0)}% of the variance)` : '';
  const qName = view.tokens.queries?.[view.query] ?? String(view.query);
  const legend = ['keys', 'queries', 'values', 'chosen query', 'output (weighted centroid of values)'];
  const { size, pal, top, base } = frame(opts, `Geometry of query “${displayToken(qName, 20)}”${view.head > 0 ? ` (head ${view.head})` : ''}${explained}`, legend);
  const q = view.queries[view.query];
  const arrows = [...view.arrows].sort((a, b) => b.weight - a.weight).slice(0, opts.maxArrows ?? 64);
  const maxW = arrows[0]?.weight ?? 1;
  const label = (tokens: string[] | null, i: number) => (tokens && i < tokens.length ? displayToken(tokens[i], 14) : String(i));
  const series: Record<string, unknown>[] = arrows.map((a) => ({
    type: 'line',
    name: 'attention',
    data: [q, view.keys[a.key]],
    showSymbol: false,
    silent: true,
    color: SERIES[0],
    lineStyle: { width: 0.5 + 5 * (a.weight / maxW), opacity: 0.25 + 0.6 * (a.weight / maxW) },
    z: 1,
  }));
  series.push(
    { type: 'scatter', name: 'keys', data: view.keys.map((p, j) => ({ value: p, name: label(view.tokens.keys, j) })), color: SERIES[0], symbolSize: 8, z: 3 },
    { type: 'scatter', name: 'queries', data: view.queries.map((p, i) => ({ value: p, name: label(view.tokens.queries, i) })), color: pal.empty, symbolSize: 6, z: 2 },
    { type: 'scatter', name: 'values', data: view.values.map((p, j) => ({ value: p, name: label(view.tokens.keys, j) })), color: SERIES[2], symbol: 'triangle', symbolSize: 7, z: 2 },
    { type: 'scatter', name: 'chosen query', data: [{ value: q, name: qName }], color: pal.reference, symbolSize: 12, z: 4, label: { show: true, formatter: displayToken(qName, 14), position: 'right', color: pal.text, fontSize: size } },
    { type: 'scatter', name: 'output (weighted centroid of values)', data: view.emptyRow ? [] : [{ value: view.centroid, name: 'output' }], color: SERIES[1], symbol: 'diamond', symbolSize: 14, z: 5 },
  );
  return {
    ...base,
    tooltip: opts.forExport ? undefined : { trigger: 'item', formatter: (p: unknown) => { const x = p as { seriesName: string; name: string; value: number[] }; return `${x.seriesName}: ${x.name} (${formatValue(x.value[0])}, ${formatValue(x.value[1])})`; } },
    legend: { ...base.legend, data: legend },
    grid: { left: 60, right: 24, top, bottom: 52 },
    xAxis: valueAxis(pal, size, axes[0], { scale: true, nameGap: 30 }),
    yAxis: valueAxis(pal, size, axes[1], { scale: true }),
    series,
  } as EChartsOption;
}

/** Decoding: score cells per step (incremental vs recomputing every row) and the step's wall time. */
export function decodingChartOption(result: DecodingResult, opts: ExperimentChartOpts): EChartsOption {
  const { size, pal, top, base } = frame(opts, `Decoding with a KV cache (T = ${result.T}, max |Δw| = ${formatValue(result.maxDiff)})`, ['recompute all rows', 'KV cache: new row only', 'step time (ms)']);
  const t = result.steps.map((s) => s.t);
  return {
    ...base,
    grid: { left: 64, right: 64, top, bottom: 52 },
    xAxis: { type: 'category', data: t, name: 'step t', nameLocation: 'middle', nameGap: 30, nameTextStyle: { color: pal.subtle, fontSize: size }, axisLabel: { color: pal.text, fontSize: size }, axisLine: { lineStyle: { color: pal.axis } } },
    yAxis: [valueAxis(pal, size, 'score cells per head', { min: 0, nameGap: 44 }), valueAxis(pal, size, 'ms', { min: 0, splitLine: { show: false } })],
    series: [
      { type: 'bar', name: 'recompute all rows', data: result.steps.map((s) => s.cellsRecompute), color: pal.empty, barGap: '-100%' },
      { type: 'bar', name: 'KV cache: new row only', data: result.steps.map((s) => s.cellsIncremental), color: SERIES[0] },
      { type: 'line', name: 'step time (ms)', yAxisIndex: 1, data: result.steps.map((s) => s.ms), color: SERIES[1], symbolSize: 5 },
    ],
  } as EChartsOption;
}

/** k-NN: the k best keys of one query, soft weight beside hard (top-k) weight. */
export function knnChartOption(view: KnnView, opts: ExperimentChartOpts): EChartsOption {
  const qName = view.tokens.queries?.[view.query] ?? String(view.query);
  const { size, pal, top, base } = frame(opts, `Top-${view.k} keys of “${displayToken(qName, 20)}” (${view.metric}); soft mass outside: ${formatValue(view.massOutside)}`, ['soft attention', `hard top-${view.k}`]);
  const names = view.keys.map((e) => (view.tokens.keys && e.key < view.tokens.keys.length ? displayToken(view.tokens.keys[e.key], 12) : String(e.key)));
  return {
    ...base,
    grid: { left: 60, right: 24, top, bottom: 52 },
    xAxis: { type: 'category', data: names, name: 'key (best first)', nameLocation: 'middle', nameGap: 30, nameTextStyle: { color: pal.subtle, fontSize: size }, axisLabel: { color: pal.text, fontSize: size, interval: 0 }, axisLine: { lineStyle: { color: pal.axis } } },
    yAxis: valueAxis(pal, size, 'weight', { min: 0, max: 1 }),
    series: [
      { type: 'bar', name: 'soft attention', data: view.keys.map((e) => e.weight), color: SERIES[0] },
      { type: 'bar', name: `hard top-${view.k}`, data: view.keys.map((e) => e.hardWeight), color: SERIES[1] },
    ],
  } as EChartsOption;
}

/** The chart of any experiment's result. */
export function experimentChartOption<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], opts: ExperimentChartOpts): EChartsOption {
  switch (name) {
    case 'scaling': return scalingChartOption(result as ScalingResult, opts);
    case 'temperature': return temperatureChartOption(result as TemperatureResult, opts);
    case 'compare': return compareMetricsChartOption(result as CompareMetricsResult, opts);
    case 'geometry': return geometryChartOption(result as GeometryView, opts);
    case 'decoding': return decodingChartOption(result as DecodingResult, opts);
    case 'knn': return knnChartOption(result as KnnView, opts);
  }
  throw new Error(`unknown experiment "${String(name)}"`);
}
