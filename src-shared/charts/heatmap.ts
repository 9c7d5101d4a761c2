/**
 * The attention heatmap as a pure ECharts option: query tokens down the rows, key tokens
 * along the columns, a continuous colour bar, masked pairs as their own hatched grey series
 * (never confused with a zero weight), linear or log colour scale, and a caption for exports.
 * The Vue component mounts it; the exporter renders it headless (src-main/service/export).
 *
 * Big matrices are pooled to at most HEATMAP_CELL_BUDGET cells per axis here; the axes keep
 * naming tokens (heatmap-axes.ts). The app adds what only a window has through the
 * interaction hook (heatmap-interact.ts), e.g. a big matrix painted at screen resolution
 * (heatmap-image.ts, coloured by the same colour scale as the visualMap).
 */
import type { EChartsOption } from 'echarts';
import type { HeatmapView } from '../api/lab-api';
import { colorAt, colormap } from './colormaps';
import { axisLabels, cellBudget, spanOf, type AxisSpan } from './heatmap-axes';
import { withInteraction, type HeatmapInteraction } from './heatmap-interact';
import { colourScale, defaultValueLabel, type ColourScale } from './heatmap-scale';
import { BAR_W, cellText, colourBar, hatch, maskedLegend } from './heatmap-legend';

export { cellText } from './heatmap-legend';
import { poolMatrix, type PoolMode, type PooledMatrix } from './pool';
import { colourPixels, imagePooling, paintPixels, pooledInput, type MatrixPixels } from './heatmap-image';
import { baseOption, displayToken, EXPORT_FONT, fontSize, labelInterval, palette, textWidth, wrapText, type ChartOpts } from './theme';

export * from './heatmap-scale';
export { HEATMAP_CELL_BUDGET, cellBudget } from './heatmap-axes';
export { headHeatmapInput } from './heatmap-input';
export type { HeatmapInteraction } from './heatmap-interact';

export interface HeatmapInput {
  /** rows × cols, row-major; −Infinity = blocked (scores) */
  values: Float32Array;
  rows: number;
  cols: number;
  /** the tokens of the query and key axes, indexed by token index; null → indices */
  rowLabels: string[] | null;
  colLabels: string[] | null;
  /** where the rows / columns sit on those axes (an overview's blocks, a tile's offset); default: row i is token i */
  rowAxis?: AxisSpan;
  colAxis?: AxisSpan;
  /** 1 = masked pair (needed for weights, whose masked pairs hold 0) */
  blocked?: Uint8Array | null;
  title?: string;
  caption?: string;
  view: HeatmapView;
  /** colour range in data units; default [0, max] for weights, [min, max] for scores, ±max|x| diverging */
  range?: [number, number];
  /** a signed quantity (Compare: B − A) drawn with a diverging map centred on 0 */
  diverging?: boolean;
  /** the other matrix, for the tooltip: the scores when `values` are weights, and back */
  companion?: Float32Array | null;
  /** what one value is called in the tooltip and on the colour bar (default "weight" / "score") */
  valueLabel?: string;
  /** how blocks of a big matrix are pooled (default mean, as the engine's overview) */
  pool?: PoolMode;
}

export type HeatmapOpts = ChartOpts;

/** … and in a thumbnail. */
export const SMALL_CELL_BUDGET = 64;

/** What heatmapOption draws, shared with the interaction hook (heatmap-interact.ts). */
export interface Prepared {
  pooled: PooledMatrix;
  /** the input's token axes, and input rows / columns per drawn cell */
  rowAxis: AxisSpan;
  colAxis: AxisSpan;
  mode: PoolMode;
  companion: PooledMatrix | null;
  rowLabels: string[];
  colLabels: string[];
  scale: ColourScale;
  masked: number;
}

function prepare(input: HeatmapInput, maxRows: number, maxCols: number): Prepared {
  const { rows, cols } = input;
  if (input.values.length < rows * cols) throw new Error(`heatmap: ${input.values.length} values cannot fill ${rows}×${cols} cells`);
  if (rows === 0 || cols === 0) throw new Error(`heatmap: a ${rows}×${cols} matrix has no cells to draw`);
  const mode = input.pool ?? 'mean';
  const pooled = pooledInput(input, maxRows, maxCols);
  const companion = input.companion ? poolMatrix(input.companion, rows, cols, maxRows, maxCols, mode, input.blocked) : null;
  let masked = 0;
  for (let k = 0; k < pooled.values.length; k++) if (pooled.values[k] === -Infinity) masked++;
  const rowAxis = spanOf(rows, input.rowAxis);
  const colAxis = spanOf(cols, input.colAxis);
  // the colour bar names blocks of tokens: an overview pooled again is pooled over both
  const tokenBlocks = { blockRows: pooled.blockRows * rowAxis.step, blockCols: pooled.blockCols * colAxis.step, mode };
  return {
    pooled,
    rowAxis,
    colAxis,
    mode,
    companion,
    rowLabels: axisLabels(input.rowLabels, rowAxis, rows, pooled.blockRows, pooled.rows),
    colLabels: axisLabels(input.colLabels, colAxis, cols, pooled.blockCols, pooled.cols),
    scale: colourScale(input, pooled.values, tokenBlocks),
    masked,
  };
}

const maxLabelWidth = (labels: string[], size: number, maxChars: number) => labels.reduce((w, l) => Math.max(w, textWidth(displayToken(l, maxChars), size)), 0);

interface Layout {
  left: number;
  top: number;
  gridW: number;
  gridH: number;
  xRotate: number;
  xInterval: number;
  yInterval: number;
  barLeft: number;
  barTop: number;
  barLen: number;
  captionTop: number;
}

const PAD = 12;
const Y_NAME_W = 20;
const X_NAME_H = 22;
const LABEL_CHARS = 14;
/** cells never get more than this much longer on one side than the other */
const MAX_CELL_ASPECT = 1.25;

function layout(p: Prepared, input: HeatmapInput, opts: ChartOpts, size: number): Layout {
  const { width: W, height: H } = opts;
  const line = size + 3;
  const titleH = input.title ? size + 22 : 4;
  const captionLines = opts.forExport && input.caption ? captionText(input.caption, W, size).split('\n').length : 0;
  const captionH = captionLines ? captionLines * (size + 5) + 8 : 0;
  const yLabelW = Math.min(maxLabelWidth(p.rowLabels, size, LABEL_CHARS), 9 * size);
  const xLabelW = Math.min(maxLabelWidth(p.colLabels, size, LABEL_CHARS), 9 * size);
  const headingW = Math.max(...p.scale.heading.map((h, i) => textWidth(h, i === 0 ? size : size - 1)));
  const barLabelW = Math.max(...p.scale.ticks.map((t) => textWidth(t.text, size) + 8), p.masked ? textWidth('masked', size) + 26 : 0);
  const rightW = Math.max(headingW, BAR_W + barLabelW, BAR_W + 40) + 18;
  const left0 = PAD + Y_NAME_W + yLabelW + 10;
  const top0 = PAD + titleH;
  const availW = Math.max(40, W - left0 - rightW - PAD);
  let gridW = availW;
  let gridH = 40;
  let xRotate = 0;
  let xInterval = 0;
  let availH = 40;
  // the x labels' rotation depends on the grid's width, the grid's height on the labels: settle in two passes
  for (let pass = 0; pass < 2; pass++) {
    const perCol = gridW / p.pooled.cols;
    if (xLabelW + 6 <= perCol) {
      xRotate = 0;
      xInterval = 0;
    } else if (perCol >= 20) {
      xRotate = 45;
      xInterval = 0;
    } else {
      xRotate = 90;
      xInterval = labelInterval(perCol, line + 1);
    }
    const xLabelH = xRotate === 0 ? line + 6 : xRotate === 45 ? (xLabelW + size) * Math.SQRT1_2 + 8 : xLabelW + 8;
    availH = Math.max(40, H - top0 - xLabelH - X_NAME_H - captionH - PAD);
    gridW = availW;
    gridH = availH;
    const cw = gridW / p.pooled.cols;
    const ch = gridH / p.pooled.rows;
    if (cw > MAX_CELL_ASPECT * ch) gridW = MAX_CELL_ASPECT * ch * p.pooled.cols;
    else if (ch > MAX_CELL_ASPECT * cw) gridH = MAX_CELL_ASPECT * cw * p.pooled.rows;
  }
  const yInterval = labelInterval(gridH / p.pooled.rows, line + 1);
  // a narrowed grid sits in the middle of the room it was given
  const left = left0 + (availW - gridW) / 2;
  const top = top0 + (availH - gridH) / 2;
  const barLen = Math.max(40, Math.min(gridH - (p.masked ? 70 : 40) - p.scale.heading.length * line, 320));
  return {
    left,
    top,
    gridW,
    gridH,
    xRotate,
    xInterval,
    yInterval,
    barLeft: left + gridW + 18,
    barTop: top + p.scale.heading.length * line + 8,
    barLen,
    captionTop: H - PAD - captionH + 8,
  };
}

/** Relative luminance (sRGB, 0…1) for picking a readable text colour on a cell. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * The heatmap of an input, as an ECharts option: the one picture the app and the exports
 * draw. `interact` is the app's hook for what only a window has (tooltip, region brush,
 * pinned-row frame, the matrix painted at screen resolution; heatmap-interact.ts); it adds
 * to the picture and never changes its axes, cells or colours.
 */
export function heatmapOption(input: HeatmapInput, opts: HeatmapOpts, interact?: HeatmapInteraction): EChartsOption {
  if (opts.small) return smallMultipleOption(input, opts);
  const size = fontSize(opts);
  const pal = palette(opts.theme, opts.forExport);
  const budget = cellBudget(opts);
  let p = prepare(input, budget.rows, budget.cols);
  let L = layout(p, input, opts, size);
  let pixels: MatrixPixels | undefined;
  if (interact?.image) {
    // the image is finer than the cells: the colour bar takes its range and heading from the
    // image's pooling, so that the colours the image shows are the ones the bar names
    const ratio = interact.image.pixelRatio;
    const fine = imagePooling(input, L.gridW * ratio, L.gridH * ratio);
    p = { ...p, scale: colourScale(input, fine.values, { blockRows: fine.blockRows * p.rowAxis.step, blockCols: fine.blockCols * p.colAxis.step, mode: p.mode }) };
    L = layout(p, input, opts, size);
    pixels = paintPixels(fine, p.scale, pal.masked);
  }
  const { pooled, scale } = p;
  // pooled in token terms: by the chart, or already by the engine (an overview)
  const pooledRows = pooled.blockRows * p.rowAxis.step > 1;
  const pooledCols = pooled.blockCols * p.colAxis.step > 1;

  const cellW = L.gridW / pooled.cols;
  const cellH = L.gridH / pooled.rows;
  const cellCount = pooled.rows * pooled.cols;
  const valueLabels = cellCount <= 400 && cellW >= 34 && cellH >= 18;

  const cells: unknown[] = [];
  const masked: [number, number, number][] = [];
  // an image replaces the cells (HeatmapInteraction.image)
  const drawCells = !pixels;
  for (let i = 0; drawCells && i < pooled.rows; i++) {
    for (let j = 0; j < pooled.cols; j++) {
      const v = pooled.values[i * pooled.cols + j];
      if (v === -Infinity) {
        masked.push([j, i, 1]);
        continue;
      }
      const mapped = scale.map(v);
      if (valueLabels) {
        const text = luminance(colorAt(scale.colormap, scale.position(v))) > 0.4 ? '#111111' : '#ffffff';
        cells.push({ value: [j, i, mapped], label: { color: text } });
      } else {
        cells.push([j, i, mapped]);
      }
    }
  }

  const axisCommon = {
    type: 'category' as const,
    axisLine: { show: true, lineStyle: { color: pal.axis } },
    axisTick: { show: true, alignWithLabel: true, lineStyle: { color: pal.axis } },
    splitArea: { show: false },
    splitLine: { show: false },
    nameTextStyle: { color: pal.subtle, fontSize: size },
  };
  const fmt = (maxChars: number) => (value: string) => displayToken(String(value), maxChars);

  const series: unknown[] = [
    {
      type: 'heatmap',
      name: defaultValueLabel(input),
      data: cells,
      progressive: opts.forExport ? 0 : 4000,
      itemStyle: cellW >= 16 && cellH >= 16 ? { borderColor: opts.forExport ? pal.background : opts.theme === 'dark' ? '#1c1e23' : '#ffffff', borderWidth: 1 } : { borderWidth: 0 },
      label: valueLabels ? { show: true, fontSize: size - 1, formatter: (p: { dataIndex: number }) => cellValueText(p.dataIndex) } : { show: false },
      emphasis: opts.forExport ? { disabled: true } : { itemStyle: { borderColor: pal.text, borderWidth: 1 } },
    },
  ];
  // the text inside a cell shows the data value, not the log-mapped one
  const drawnValues: number[] = [];
  for (let k = 0; k < pooled.values.length; k++) if (pooled.values[k] !== -Infinity) drawnValues.push(pooled.values[k]);
  function cellValueText(index: number): string {
    const v = drawnValues[index];
    return v === undefined ? '' : cellText(v);
  }

  const visualMap: unknown[] = [
    {
      type: 'continuous',
      seriesIndex: 0,
      dimension: 2,
      min: scale.min,
      max: scale.max,
      calculable: false,
      realtime: false,
      orient: 'vertical',
      left: L.barLeft,
      top: L.barTop,
      itemWidth: BAR_W,
      itemHeight: L.barLen,
      // the bar itself is drawn with its ticks (colourBar): the visualMap only colours the cells,
      // and its own bar sits a few pixels off wherever ECharts puts it
      show: false,
      text: undefined,
      textStyle: { color: pal.text, fontSize: size },
      inRange: { color: [...colormap(scale.colormap).stops] },
      hoverLink: !opts.forExport,
    },
  ];
  if (masked.length) {
    series.push({
      type: 'heatmap',
      name: 'masked',
      data: masked,
      progressive: opts.forExport ? 0 : 4000,
      itemStyle: { color: pal.masked, decal: hatch(pal.hatch), borderWidth: 0 },
      emphasis: { disabled: true },
      label: { show: false },
    });
    // ECharts colours a heatmap through a visualMap only; this one is fixed and hidden, the
    // legend entry beside the colour bar is drawn below as a hatched swatch
    visualMap.push({ type: 'piecewise', show: false, seriesIndex: 1, dimension: 2, pieces: [{ value: 1, label: 'masked', color: pal.masked }] });
  }

  const titles: unknown[] = [];
  if (input.title) {
    titles.push({ text: input.title, left: 'center', top: PAD - 2, textStyle: { color: pal.text, fontSize: size + 3, fontWeight: 'bold' } });
  }
  if (opts.forExport && input.caption) {
    titles.push({
      text: captionText(input.caption, opts.width, size),
      left: opts.width / 2,
      top: L.captionTop,
      textAlign: 'center',
      textStyle: { color: pal.subtle, fontSize: size, fontWeight: 'normal', lineHeight: size + 5 },
    });
  }

  const option: EChartsOption = {
    ...baseOption(opts),
    title: titles as EChartsOption['title'],
    grid: { left: L.left, top: L.top, width: L.gridW, height: L.gridH, containLabel: false },
    xAxis: {
      ...axisCommon,
      position: 'bottom',
      data: p.colLabels,
      name: pooledCols ? 'keys (index ranges)' : 'key',
      nameLocation: 'middle',
      nameGap: xNameGap(p, L, size),
      axisLabel: { color: pal.text, fontSize: size, rotate: L.xRotate, interval: L.xInterval, formatter: fmt(LABEL_CHARS), hideOverlap: false },
    },
    yAxis: {
      ...axisCommon,
      inverse: true,
      data: p.rowLabels,
      name: pooledRows ? 'queries (index ranges)' : 'query',
      nameLocation: 'middle',
      nameRotate: 90,
      nameGap: Math.min(maxLabelWidth(p.rowLabels, size, LABEL_CHARS), 9 * size) + 14,
      axisLabel: { color: pal.text, fontSize: size, interval: L.yInterval, formatter: fmt(LABEL_CHARS), hideOverlap: false },
    },
    visualMap: visualMap as EChartsOption['visualMap'],
    graphic: [
      {
        type: 'text',
        id: 'colour-bar-heading',
        left: L.barLeft,
        top: L.top,
        silent: true,
        style: { text: scale.heading.join('\n'), fill: pal.subtle, fontSize: size, lineHeight: size + 3, fontFamily: opts.forExport ? EXPORT_FONT : undefined },
      },
      colourBar(scale, { left: L.barLeft, top: L.barTop, length: L.barLen }, size, pal, opts.forExport),
      // below the bar and its lowest tick label
      ...(masked.length ? [maskedLegend(L.barLeft, L.barTop + L.barLen + size + 14, size, pal, opts.forExport)] : []),
    ],
    series: series as EChartsOption['series'],
  };
  return interact ? withInteraction(option, input, p, interact, pixels) : option;
}

/** The caption wrapped to the figure's width (at most three lines; the rest is cut with '…'). */
function captionText(caption: string, width: number, size: number): string {
  const lines = wrapText(caption, width - 2 * PAD, size);
  if (lines.length > 3) lines.splice(2, lines.length - 2, `${lines[2]}…`);
  return lines.join('\n');
}

function xNameGap(p: Prepared, L: Layout, size: number): number {
  if (L.xRotate === 0) return size + 16;
  const w = Math.min(maxLabelWidth(p.colLabels, size, LABEL_CHARS), 9 * size);
  return (L.xRotate === 45 ? (w + size) * Math.SQRT1_2 : w) + 16;
}

/** A thumbnail's cells: the input pooled to at most SMALL_CELL_BUDGET a side (and the box's pixels), with its colour scale. */
function smallMultipleCells(input: HeatmapInput, opts: Pick<HeatmapOpts, 'width' | 'height'>): Prepared {
  const budget = (px: number) => Math.max(1, Math.min(SMALL_CELL_BUDGET, Math.floor(px)));
  return prepare(input, budget(opts.height), budget(opts.width));
}

/**
 * A thumbnail's pooled cells as RGBA pixels (one pixel a cell), in the colours
 * smallMultipleOption gives them: the app paints these on a canvas, scaled up without
 * smoothing — a chart per head cost ECharts a model, axes and a paint each run.
 */
export function smallMultiplePixels(input: HeatmapInput, opts: Pick<HeatmapOpts, 'width' | 'height' | 'theme' | 'forExport'>): MatrixPixels {
  const { pooled, scale } = smallMultipleCells(input, opts);
  return colourPixels(pooled.values, pooled.cols, pooled.rows, scale, palette(opts.theme, opts.forExport).masked);
}

/**
 * A per-head thumbnail: the same colour scale as its siblings (pass the shared `range`, e.g.
 * from `headsRange`), no labels, no tooltip, no colour bar, masked pairs in flat grey.
 */
export function smallMultipleOption(input: HeatmapInput, opts: HeatmapOpts): EChartsOption {
  const pal = palette(opts.theme, opts.forExport);
  const p = smallMultipleCells(input, opts);
  const { pooled, scale } = p;
  const cells: [number, number, number][] = [];
  const masked: [number, number, number][] = [];
  for (let i = 0; i < pooled.rows; i++) {
    for (let j = 0; j < pooled.cols; j++) {
      const v = pooled.values[i * pooled.cols + j];
      if (v === -Infinity) masked.push([j, i, 1]);
      else cells.push([j, i, scale.map(v)]);
    }
  }
  const hidden = { show: false };
  const series: unknown[] = [{ type: 'heatmap', data: cells, progressive: 0, silent: true, emphasis: { disabled: true } }];
  const visualMap: unknown[] = [
    { type: 'continuous', show: false, seriesIndex: 0, dimension: 2, min: scale.min, max: scale.max, inRange: { color: [...colormap(scale.colormap).stops] } },
  ];
  if (masked.length) {
    series.push({ type: 'heatmap', data: masked, progressive: 0, silent: true, emphasis: { disabled: true } });
    visualMap.push({ type: 'piecewise', show: false, seriesIndex: 1, dimension: 2, pieces: [{ value: 1, color: pal.masked }] });
  }
  return {
    ...baseOption(opts),
    animation: false,
    // no tooltip component at all (not even a hidden one): it would build its DOM and force a layout every run
    grid: { left: 1, right: 1, top: 1, bottom: 1, containLabel: false },
    xAxis: { type: 'category', data: p.colLabels, show: false, axisLabel: hidden, axisTick: hidden, axisLine: hidden },
    yAxis: { type: 'category', data: p.rowLabels, inverse: true, show: false, axisLabel: hidden, axisTick: hidden, axisLine: hidden },
    visualMap: visualMap as EChartsOption['visualMap'],
    series: series as EChartsOption['series'],
  };
}
