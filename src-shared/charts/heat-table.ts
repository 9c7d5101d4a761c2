/**
 * A small heat table: one coloured, labelled cell per (row, column) of a few dozen rows and
 * columns — layers × heads of mean entropy, heads × heads of divergence. Plain ECharts
 * categories (one item per cell, each labelled with its value), unlike the attention
 * heatmaps, which draw images. Cells without a value (null) stay blank.
 */
import type { EChartsOption } from 'echarts';
import { colormap, DEFAULT_SEQUENTIAL } from './colormaps';
import { start, titleBlock, type TitledOpts } from './plot-parts';
import { fontSize, formatValue, palette } from './theme';

export interface HeatTable {
  /** one label per row (top to bottom) and per column (left to right) */
  rows: string[];
  cols: string[];
  /** values[r][c]; null: no value */
  values: (number | null)[][];
  rowName: string;
  colName: string;
  /** what a value is, for the colour bar and the tooltip */
  valueLabel: string;
  /** the colour range; default: the values' own [min, max] */
  range?: [number, number];
  colormap?: string;
}

/** The values' [min, max] ([0, 1] when there is none; a single value v gives [v, v + 1e-12]). */
export function heatTableRange(values: (number | null)[][]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of values) for (const x of row) if (x !== null && Number.isFinite(x)) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
  if (lo > hi) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1e-12];
}

/** The heat table as an option: rows top to bottom, a colour bar on the right, every cell labelled. */
export function heatTableOption(table: HeatTable, opts: TitledOpts): EChartsOption {
  const pal = palette(opts.theme, opts.forExport);
  const size = fontSize(opts);
  const t = titleBlock(opts);
  const [lo, hi] = table.range ?? heatTableRange(table.values);
  const data: [number, number, number | null][] = [];
  table.values.forEach((row, r) => row.forEach((x, c) => data.push([c, r, x === null || !Number.isFinite(x) ? null : x])));
  const cells = table.rows.length * table.cols.length;
  const category = (labels: string[], name: string, inverse = false) => ({
    type: 'category',
    data: labels,
    name,
    nameLocation: 'middle',
    nameGap: inverse ? 40 : 28,
    inverse,
    splitArea: { show: false },
    axisLabel: { color: pal.text, fontSize: size },
    axisLine: { lineStyle: { color: pal.axis } },
    nameTextStyle: { color: pal.subtle, fontSize: size },
  });
  return {
    ...start(opts),
    title: t.title,
    grid: { left: 64, right: 96, top: t.height + 16, bottom: 48 },
    tooltip: opts.forExport
      ? undefined
      : {
          formatter: (p: unknown) => {
            const [c, r, x] = (p as { value: [number, number, number | null] }).value;
            return `${table.rowName} ${table.rows[r]} · ${table.colName} ${table.cols[c]}<br/>${table.valueLabel}: ${x === null ? '–' : formatValue(x)}`;
          },
        },
    xAxis: category(table.cols, table.colName),
    yAxis: category(table.rows, table.rowName, true),
    visualMap: {
      type: 'continuous',
      min: lo,
      max: hi,
      calculable: false,
      orient: 'vertical',
      right: 8,
      top: 'middle',
      itemHeight: Math.max(60, Math.min(200, opts.height - t.height - 100)),
      text: [formatValue(hi), formatValue(lo)],
      textStyle: { color: pal.text, fontSize: size },
      inRange: { color: colormap(table.colormap ?? DEFAULT_SEQUENTIAL).stops },
      formatter: (x: unknown) => (typeof x === 'number' ? formatValue(x) : String(x)),
    },
    series: [
      {
        type: 'heatmap',
        name: table.valueLabel,
        data,
        label: {
          show: !opts.small && cells <= 400,
          fontSize: Math.max(8, size - 2),
          formatter: (p: unknown) => ((p as { value: [number, number, number | null] }).value[2] === null ? '' : formatValue((p as { value: [number, number, number] }).value[2])),
        },
        itemStyle: { borderColor: pal.split, borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: pal.text, borderWidth: 2 } },
      },
    ],
  } as EChartsOption;
}
