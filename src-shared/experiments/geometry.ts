/**
 * Geometry (SPEC §6): one query's attention drawn in the plane. The head's queries and keys
 * are projected together onto the two principal axes of their joint set (src-shared/stats
 * principalPlane); data that is already 2-D (or 1-D) is drawn as is. From the chosen query
 * an arrow goes to every key it gives weight to, and its output — Σ_j w_j v_j — is drawn as
 * the weighted centroid of the value points: the values are placed in the same plane when
 * they have the queries' width, in a PCA plane of their own otherwise. (Projection is
 * affine and the weights sum to 1, so the centroid of the projected values is the
 * projection of the output.)
 *
 * The chart: keys (labelled with their tokens) and queries as points, with each axis's share
 * of the variance; arrows from the chosen query whose width and opacity grow with the
 * weight; the output as a star. Both axes use the same scale, so angles and distances read
 * true. Values that live in a plane of their own (dv ≠ d) get a second panel.
 */
import type { EChartsOption } from 'echarts';
import { columnSlice } from '../linalg/matrix';
import { plane, rawPoints, type Point } from '../stats/plane';
import { displayToken, fontSize, palette } from '../charts/theme';
import { equalAspectRanges, samePoints, STAR, weightedArrows, type Arrow, formatValue, label, legendBlock, seriesColor, start, titleBlock, type Box } from '../charts/plot-parts';
import { checkQuery, copyTokens, ExperimentOptionError, jobInput, resolveInput, rowOf, rowProblem, Runs } from './common';
import { float32Text, float64Text, tokenOr } from './csv';
import { headOption, queryOption } from './fields';
import { defineExperiment, type ExperimentChartOpts, type ExperimentContext, type ExperimentInput, type OptionsOf } from './module';

const options = { query: queryOption, head: headOption };
export type GeometryOptions = OptionsOf<typeof options>;

/** Geometry of one query: PCA of queries ∪ keys (or the raw 2-D points when d = 2). */
export interface GeometryView {
  projected: boolean;
  /** explained variance ratio of the two axes (1,0 style when not projected) */
  explained: [number, number];
  queries: [number, number][];
  keys: [number, number][];
  /** the chosen query's arrows: key index, its weight */
  arrows: { key: number; weight: number }[];
  /** the output (weights·V) drawn as the weighted centroid of the value points */
  values: [number, number][];
  centroid: [number, number];
  query: number;
  head: number;
  /** where the value points come from: the queries∪keys plane (dv = d), their own PCA plane (dv ≠ d), or raw (dv = 2) */
  valuesPlane: 'joint' | 'own' | 'raw';
  /** the chosen query's attention output (weights·V) in the values' own width */
  output: Float64Array;
  /** true when the query sees no key (no arrows; the centroid is the origin of the plane) */
  emptyRow: boolean;
  tokens: { queries: string[] | null; keys: string[] | null };
}

export async function runGeometry(ctx: ExperimentContext, input: ExperimentInput, options: GeometryOptions): Promise<GeometryView> {
  const head = options.head ?? 0;
  const problem = resolveInput(input, { outputs: ['weights', 'output'] });
  checkQuery(problem, options.query, head);
  const H = problem.heads;
  const dq = problem.q.cols / H;
  const dk = problem.k.cols / H;
  const dv = problem.v.cols / H;
  if (dq !== dk) throw new ExperimentOptionError('job.metric', `geometry draws queries and keys in one plane, so they need equal widths (here ${dq} and ${dk} per head)`);
  const q = columnSlice(problem.q, head * dq, dq);
  const k = columnSlice(problem.k, head * dk, dk);
  const v = columnSlice(problem.v, head * dv, dv);

  const joint = new Float32Array((q.rows + k.rows) * dq);
  joint.set(q.data, 0);
  joint.set(k.data, q.data.length);
  const qk = plane(joint, q.rows + k.rows, dq);
  let valuesPlane: GeometryView['valuesPlane'];
  let values: Point[];
  if (dv <= 2) {
    valuesPlane = 'raw';
    values = rawPoints(v);
  } else if (dv === dq) {
    valuesPlane = 'joint';
    values = qk.project(v);
  } else {
    valuesPlane = 'own';
    values = plane(v.data, v.rows, dv).project(v);
  }

  const runs = new Runs(ctx, 1);
  const r = await runs.run(rowProblem(problem, options.query));
  const w = rowOf(r.weights!, head, 0, 1, r.Tk);
  const arrows: GeometryView['arrows'] = [];
  const centroid: Point = [0, 0];
  for (let j = 0; j < w.length; j++) {
    if (!(w[j] > 0)) continue;
    arrows.push({ key: j, weight: w[j] });
    centroid[0] += w[j] * values[j][0];
    centroid[1] += w[j] * values[j][1];
  }
  return {
    projected: qk.projected,
    explained: qk.explained,
    queries: qk.project(q),
    keys: qk.project(k),
    arrows,
    values,
    centroid,
    query: options.query,
    head,
    valuesPlane,
    output: Float64Array.from(rowOf(r.output!, head, 0, 1, r.dv)),
    emptyRow: r.argmax[head] < 0,
    tokens: copyTokens(problem),
  };
}

export const GEOMETRY_SERIES = {
  keys: 'keys',
  queries: 'other queries',
  query: 'chosen query',
  values: 'values',
  output: 'output Σ wⱼ vⱼ',
} as const;

/** The widest a point’s label may be, in font sizes (a 12-character token and its weight); longer ones end in “…”. */
export const GEOMETRY_LABEL_EMS = 10;

/** The arrows from the chosen query to its keys (none when it sees no key). */
export function geometryArrows(view: GeometryView, unitsPerPx = 0, stopPx = 7): Arrow[] {
  return view.emptyRow ? [] : weightedArrows(view.queries[view.query], view.keys, view.arrows, unitsPerPx, stopPx);
}

function axisName(view: GeometryView, axis: 0 | 1): string {
  if (!view.projected) return axis === 0 ? 'x₁' : 'x₂';
  return `PC${axis + 1} · ${formatValue(view.explained[axis] * 100)}% of variance`;
}

export function geometryOption(view: GeometryView, opts: ExperimentChartOpts): EChartsOption {
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
  const legendNames = [
    GEOMETRY_SERIES.keys,
    ...(otherQueries ? [GEOMETRY_SERIES.queries] : []),
    GEOMETRY_SERIES.query,
    ...(valuesAreKeys ? [] : [GEOMETRY_SERIES.values]),
    GEOMETRY_SERIES.output,
  ];
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
  // the page's colour behind every dot's edge and every label's halo (the app's own background is transparent)
  const ground = palette(opts.theme, true).background;
  // every label on the plane: a halo so it reads over dots and arrows, at most GEOMETRY_LABEL_EMS wide, and
  // hidden where it would overprint another (larger dots win: the weighted keys, the chosen query, the output);
  // the tooltip still names every point
  const text = { textBorderColor: ground, textBorderWidth: 2, width: GEOMETRY_LABEL_EMS * size, overflow: 'truncate' };
  const labelLayout = { hideOverlap: true };

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
      itemStyle: { color: keyColor, borderColor: ground, borderWidth: 1 },
      label: { ...text, show: true, position: 'right', distance: 6, color: pal.text, fontSize: size, formatter: (p: { dataIndex: number }) => keyLabel(p.dataIndex) },
      labelLayout,
      tooltip: {
        formatter: (p: { dataIndex: number }) =>
          `key ${displayToken(label(kTokens, p.dataIndex), 24)} (${formatValue(view.keys[p.dataIndex][0])}, ${formatValue(view.keys[p.dataIndex][1])})<br>weight from “${displayToken(qName, 20)}”: ${formatValue(weightOf.get(p.dataIndex) ?? 0)}`,
      },
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
    label: { ...text, show: true, position: 'bottom', distance: 8, color: queryColor, fontSize: size + 1, fontWeight: 600, formatter: () => `q: ${displayToken(qName, 14)}` },
    labelLayout,
    tooltip: { formatter: () => `chosen query ${displayToken(qName, 24)}${view.emptyRow ? ' (sees no key)' : ''}` },
    markLine: {
      silent: true,
      symbol: ['none', 'arrow'],
      symbolSize: 9,
      animation: false,
      label: { show: false },
      data: arrows.map((a) => [{ coord: a.from, lineStyle: { width: a.width, opacity: a.opacity, color: queryColor, type: 'solid' } }, { coord: a.to }]),
    },
    z: 6,
  });

  const valueGrid = ownPlane ? 1 : 0;
  const valueRanges = ownPlane ? equalAspectRanges([...view.values, view.centroid], { left: 0, top: 0, width: totalW - mainW - gap, height: box.height }) : r;
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
      label: ownPlane ? { ...text, show: true, position: 'right', color: pal.subtle, fontSize: size - 1, formatter: (p: { name: string }) => displayToken(p.name, 10) } : undefined,
      labelLayout,
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
    label: { ...text, show: true, position: 'top', distance: 4, color: outColor, fontSize: size, fontWeight: 600, formatter: () => 'output' },
    labelLayout,
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

/** kind (query | key | value | centroid), index, token, x, y, weight (keys: the chosen query's weight). */
function geometryTable(view: GeometryView) {
  const weight = new Map(view.arrows.map((a) => [a.key, a.weight]));
  const rows: (string | number)[][] = [];
  const { queries, keys } = view.tokens;
  view.queries.forEach(([x, y], i) => rows.push(['query', i, tokenOr(queries, i), float64Text(x), float64Text(y), i === view.query ? 'chosen' : '']));
  view.keys.forEach(([x, y], j) => rows.push(['key', j, tokenOr(keys, j), float64Text(x), float64Text(y), float32Text(weight.get(j) ?? 0)]));
  view.values.forEach(([x, y], j) => rows.push(['value', j, tokenOr(keys, j), float64Text(x), float64Text(y), float32Text(weight.get(j) ?? 0)]));
  rows.push(['centroid', view.query, tokenOr(queries, view.query), float64Text(view.centroid[0]), float64Text(view.centroid[1]), '']);
  return { header: ['kind', 'index', 'token', 'x', 'y', 'weight'], rows };
}

export default defineExperiment({
  id: 'geometry',
  title: 'Geometry',
  summary:
    'One query in the plane of the queries and keys (PCA, or the raw 2-D points): arrows to its keys, thicker for more weight, and its output as the weighted centroid of the values.',
  needsJob: true,
  options,
  run: (ctx, input, o) => runGeometry(ctx, jobInput(input), o),
  table: geometryTable,
  chart: geometryOption,
  files: ['csv', 'json', 'svg', 'png'],
});
