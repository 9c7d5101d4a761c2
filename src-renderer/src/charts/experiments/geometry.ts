/**
 * Geometry (SPEC §6): one query in the plane. Keys (labelled with their tokens) and queries
 * as points — the raw coordinates for 2-D data, the joint PCA plane otherwise, with each
 * axis's share of the variance —, arrows from the chosen query to its keys whose width and
 * opacity grow with the weight (and keys whose dots grow with it), and the output Σⱼ wⱼ vⱼ as the weighted centroid of the value
 * points. Both axes use the same scale (a circle stays a circle), so angles and distances read
 * true. Values that live in a plane of their own (dv ≠ d) get a second panel.
 */
import type { EChartsOption } from 'echarts';
import type { GeometryView } from '../../../../src-shared/experiments/types';
import { displayToken, fontSize, palette } from '../../../../src-shared/charts/theme';
import { formatValue, label, legendBlock, seriesColor, start, titleBlock, type TitledOpts } from './common';

type Point = [number, number];

export const GEOMETRY_SERIES = {
  keys: 'keys',
  queries: 'other queries',
  query: 'chosen query',
  values: 'values',
  output: 'output Σ wⱼ vⱼ',
} as const;

/** A five-pointed star (the output). */
const STAR = 'path://M50,0 L61,35 L98,35 L68,57 L79,91 L50,70 L21,91 L32,57 L2,35 L39,35 Z';

function samePoints(a: Point[], b: Point[]): boolean {
  return a.length === b.length && a.every((p, i) => Math.abs(p[0] - b[i][0]) < 1e-9 && Math.abs(p[1] - b[i][1]) < 1e-9);
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Axis ranges that hold the points with a margin and give both axes the same units per pixel. */
export function equalAspectRanges(points: Point[], box: Box, margin = 0.12): { x: [number, number]; y: [number, number]; unitsPerPx: number } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (!(x0 <= x1)) [x0, x1, y0, y1] = [-1, 1, -1, 1];
  let w = x1 - x0;
  let h = y1 - y0;
  const span = Math.max(w, h, 1e-9);
  if (w < span * 1e-3) w = span * 1e-3;
  if (h < span * 1e-3) h = span * 1e-3;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  w *= 1 + 2 * margin;
  h *= 1 + 2 * margin;
  const unitsPerPx = Math.max(w / Math.max(1, box.width), h / Math.max(1, box.height));
  const halfW = (unitsPerPx * box.width) / 2;
  const halfH = (unitsPerPx * box.height) / 2;
  return { x: [cx - halfW, cx + halfW], y: [cy - halfH, cy + halfH], unitsPerPx };
}

export interface Arrow {
  key: number;
  weight: number;
  from: Point;
  to: Point;
  width: number;
  opacity: number;
}

/** The arrows from the chosen query, thicker and more opaque for more weight, stopping short of the key's dot. */
export function geometryArrows(view: GeometryView, unitsPerPx = 0, stopPx = 7): Arrow[] {
  const from = view.queries[view.query];
  if (!from || view.emptyRow) return [];
  const top = view.arrows.reduce((m, a) => Math.max(m, a.weight), 0) || 1;
  const out: Arrow[] = [];
  for (const a of view.arrows) {
    const to = view.keys[a.key];
    if (!to || !(a.weight > 0)) continue;
    const dx = to[0] - from[0];
    const dy = to[1] - from[1];
    const len = Math.hypot(dx, dy);
    const cut = unitsPerPx * stopPx;
    if (len <= cut * 1.5) continue; // the query sits on this key: no arrow to draw
    const f = (len - cut) / len;
    const r = a.weight / top;
    out.push({ key: a.key, weight: a.weight, from, to: [from[0] + dx * f, from[1] + dy * f], width: 0.8 + 6.2 * r, opacity: 0.18 + 0.82 * r });
  }
  return out;
}

function axisName(view: GeometryView, axis: 0 | 1): string {
  if (!view.projected) return axis === 0 ? 'x₁' : 'x₂';
  return `PC${axis + 1} · ${formatValue(view.explained[axis] * 100)}% of variance`;
}

export function geometryOption(view: GeometryView, opts: TitledOpts): EChartsOption {
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const weightOf = new Map(view.arrows.map((a) => [a.key, a.weight]));
  const topWeight = view.arrows.reduce((m, a) => Math.max(m, a.weight), 0) || 1;
  const qTokens = view.tokens.queries;
  const kTokens = view.tokens.keys;
  // self-attention without projection draws each query on its own key; a lone query is the chosen one
  const otherQueries = view.queries.length > 1 && !samePoints(view.queries, view.keys);
  const ownPlane = view.valuesPlane === 'own';
  const valuesAreKeys = !ownPlane && samePoints(view.values, view.keys);
  const qName = label(qTokens, view.query);
  const t = titleBlock({
    ...opts,
    title: opts.title ?? `Query “${displayToken(qName, 20)}” and its keys · head ${view.head}`,
    subtitle:
      opts.subtitle ??
      `${view.projected ? `PCA of queries ∪ keys: the plane keeps ${formatValue((view.explained[0] + view.explained[1]) * 100)}% of the variance` : 'raw 2-D coordinates (no projection)'}${valuesAreKeys ? ' · values = keys' : ''}`,
  });
  const legendNames = [GEOMETRY_SERIES.keys, ...(otherQueries ? [GEOMETRY_SERIES.queries] : []), GEOMETRY_SERIES.query, ...(valuesAreKeys ? [] : [GEOMETRY_SERIES.values]), GEOMETRY_SERIES.output];
  const legendTop = t.height + 2;
  const lg = legendBlock(opts, legendTop, legendNames);
  const top = legendTop + lg.height + 10;
  const bottom = size + 34;
  const left = 56;
  const right = 20;
  const gap = 70;
  const totalW = Math.max(80, opts.width - left - right);
  const mainW = ownPlane ? Math.round((totalW - gap) * 0.62) : totalW;
  const box: Box = { left, top, width: mainW, height: Math.max(60, opts.height - top - bottom) };

  const mainPoints: Point[] = [...view.queries, ...view.keys, ...(ownPlane ? [] : [...view.values, view.centroid])];
  const r = equalAspectRanges(mainPoints, box);
  const arrows = geometryArrows(view, r.unitsPerPx);

  const keyColor = seriesColor(opts.theme, 0);
  const queryColor = seriesColor(opts.theme, 1);
  const valueColor = seriesColor(opts.theme, 2);
  const outColor = opts.theme === 'dark' ? '#f5d66b' : '#c48a00';

  const axis = (name: string, range: [number, number], gridIndex: number, which: 'x' | 'y') => ({
    type: 'value',
    gridIndex,
    min: range[0],
    max: range[1],
    name,
    nameLocation: 'middle',
    nameGap: which === 'x' ? size + 14 : 40,
    nameTextStyle: { color: pal.subtle, fontSize: size },
    axisLine: { onZero: false, lineStyle: { color: pal.axis } },
    axisTick: { lineStyle: { color: pal.axis } },
    axisLabel: { color: pal.text, fontSize: size, formatter: (v: number) => formatValue(v), showMinLabel: false, showMaxLabel: false },
    splitLine: { lineStyle: { color: pal.split } },
  });

  const keyLabel = (j: number) => {
    const w = weightOf.get(j) ?? 0;
    return w >= 0.005 ? `${displayToken(label(kTokens, j), 12)} ${formatValue(w)}` : displayToken(label(kTokens, j), 12);
  };

  const series: Record<string, unknown>[] = [
    {
      type: 'scatter',
      name: GEOMETRY_SERIES.keys,
      xAxisIndex: 0,
      yAxisIndex: 0,
      // a key's dot grows with its weight (the query's own key shows even where no arrow can)
      data: view.keys.map((p, j) => ({ value: p, name: label(kTokens, j), symbolSize: 7 + 13 * ((weightOf.get(j) ?? 0) / topWeight) })),
      itemStyle: { color: keyColor, borderColor: pal.background === 'transparent' ? '#fff' : pal.background, borderWidth: 1 },
      label: { show: true, position: 'right', distance: 6, color: pal.text, fontSize: size, formatter: (p: { dataIndex: number }) => keyLabel(p.dataIndex) },
      labelLayout: { hideOverlap: true },
      tooltip: { formatter: (p: { dataIndex: number }) => `key ${displayToken(label(kTokens, p.dataIndex), 24)} (${formatValue(view.keys[p.dataIndex][0])}, ${formatValue(view.keys[p.dataIndex][1])})<br>weight from “${displayToken(qName, 20)}”: ${formatValue(weightOf.get(p.dataIndex) ?? 0)}` },
      z: 4,
    },
  ];
  if (otherQueries) {
    series.push({
      type: 'scatter',
      name: GEOMETRY_SERIES.queries,
      xAxisIndex: 0,
      yAxisIndex: 0,
      data: view.queries.map((p, i) => (i === view.query ? null : { value: p, name: label(qTokens, i) })).filter((x) => x !== null),
      symbol: 'emptyCircle',
      symbolSize: 7,
      itemStyle: { color: queryColor, opacity: 0.7 },
      tooltip: { formatter: (p: { name: string }) => `query ${displayToken(p.name, 24)}` },
      z: 3,
    });
  }
  series.push({
    type: 'scatter',
    name: GEOMETRY_SERIES.query,
    xAxisIndex: 0,
    yAxisIndex: 0,
    data: [{ value: view.queries[view.query], name: qName }],
    symbol: 'diamond',
    symbolSize: 17,
    itemStyle: { color: queryColor, borderColor: pal.text, borderWidth: 1 },
    label: { show: true, position: 'bottom', distance: 8, color: queryColor, fontSize: size + 1, fontWeight: 600, formatter: () => `q: ${displayToken(qName, 14)}` },
    tooltip: { formatter: () => `chosen query ${displayToken(qName, 24)}${view.emptyRow ? ' (sees no key)' : ''}` },
    markLine: {
      silent: true,
      symbol: ['none', 'arrow'],
      symbolSize: 9,
      animation: false,
      label: { show: false },
      data: arrows.map((a) => [
        { coord: a.from, lineStyle: { width: a.width, opacity: a.opacity, color: queryColor, type: 'solid' } },
        { coord: a.to },
      ]),
    },
    z: 6,
  });

  const valueGrid = ownPlane ? 1 : 0;
  const valueRanges = ownPlane
    ? equalAspectRanges([...view.values, view.centroid], { left: 0, top: 0, width: totalW - mainW - gap, height: box.height })
    : r;
  if (!valuesAreKeys) {
    series.push({
      type: 'scatter',
      name: GEOMETRY_SERIES.values,
      xAxisIndex: valueGrid,
      yAxisIndex: valueGrid,
      data: view.values.map((p, j) => ({ value: p, name: label(kTokens, j) })),
      symbol: 'emptyRect',
      symbolSize: 9,
      itemStyle: { color: valueColor },
      label: ownPlane ? { show: true, position: 'right', color: pal.subtle, fontSize: size - 1, formatter: (p: { name: string }) => displayToken(p.name, 10) } : undefined,
      labelLayout: { hideOverlap: true },
      tooltip: { formatter: (p: { name: string; dataIndex: number }) => `value of ${displayToken(p.name, 24)}: weight ${formatValue(weightOf.get(p.dataIndex) ?? 0)}` },
      z: 3,
    });
  }
  series.push({
    type: 'scatter',
    name: GEOMETRY_SERIES.output,
    xAxisIndex: valueGrid,
    yAxisIndex: valueGrid,
    data: [{ value: view.centroid, name: 'output' }],
    symbol: STAR,
    symbolSize: 20,
    itemStyle: { color: outColor, borderColor: pal.text, borderWidth: 0.8 },
    label: { show: true, position: 'top', distance: 4, color: outColor, fontSize: size, fontWeight: 600, formatter: () => 'output' },
    tooltip: { formatter: () => `output of “${displayToken(qName, 20)}” = Σ wⱼ vⱼ (${formatValue(view.centroid[0])}, ${formatValue(view.centroid[1])})` },
    z: 7,
  });

  const grids: Record<string, unknown>[] = [{ left: box.left, top: box.top, width: box.width, height: box.height }];
  const xAxes = [axis(axisName(view, 0), r.x, 0, 'x')];
  const yAxes = [axis(axisName(view, 1), r.y, 0, 'y')];
  if (ownPlane) {
    grids.push({ left: left + mainW + gap, top, width: totalW - mainW - gap, height: box.height });
    xAxes.push(axis('values: PC1 of their own plane', valueRanges.x, 1, 'x'));
    yAxes.push(axis('values: PC2', valueRanges.y, 1, 'y'));
  }

  return {
    ...start(opts),
    title: t.title,
    legend: lg.legend,
    grid: grids,
    tooltip: opts.forExport ? undefined : { trigger: 'item' },
    xAxis: xAxes,
    yAxis: yAxes,
    series,
  } as EChartsOption;
}
