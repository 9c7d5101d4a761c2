/**
 * The app's hook into heatmapOption: what only a window has, added to the one picture the
 * exports also draw. It adds a hover tooltip (token indices and values), a rectangle brush
 * to pick a region to zoom, a frame around the pinned row, and an image of a big matrix
 * painted at screen resolution over the grid. It never changes the axes, the cells or the
 * colour scale: a window and an export of the same input show the same picture.
 */
import type { EChartsOption } from 'echarts';
import { cellBudget, cellTokens, cellsToTokens, spanOf, type AxisSpan } from './heatmap-axes';
import type { HeatmapInput, HeatmapOpts, Prepared } from './heatmap';
import type { MatrixPixels } from './heatmap-image';
import { defaultValueLabel } from './heatmap-scale';
import { poolBlock, type PoolMode } from './pool';
import { displayToken, formatValue } from './theme';
import { tokenLabel } from './token-labels';

/** The pixel box of a heatmap's grid (heatmapOption places it in pixels). */
export interface GridBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface HeatmapInteraction {
  /**
   * hover names the cell's query and key tokens (indices, or token ranges of a pooled cell) and
   * its value: the window asks for the cell under the pointer (tooltipAtPoint); ECharts shows
   * no tooltip of its own — a long map draws no cells for it to hover
   */
  tooltip?: boolean;
  /** a rectangle brush over the grid; EChart.vue arms it and reports the region (brushEnd) */
  brush?: boolean;
  /** the pinned query row (a token index) framed on top of the cells */
  pinnedRow?: number | null;
  pinColor?: string;
  /**
   * the matrix painted on the grid at `pixelRatio` image pixels per CSS pixel (heatmapOption
   * pools and colours it with the colour bar's scale; `paint` makes the image: a canvas in the
   * app, a PNG in an export), in place of the cells: 65,536 cell items cost a window ~0.3 s of
   * ECharts' time a run, even invisible, and an SVG megabytes
   */
  image?: { pixelRatio: number; paint: (pixels: MatrixPixels) => unknown };
}

/** How an input maps onto drawn cells: input rows / columns per cell, and their token axes. */
export interface HeatmapGeometry {
  rows: number;
  cols: number;
  blockRows: number;
  blockCols: number;
  rowAxis: AxisSpan;
  colAxis: AxisSpan;
}

/** The geometry heatmapOption gives this input at this size (the same cell budget and pooling). */
export function heatmapGeometry(input: Pick<HeatmapInput, 'rows' | 'cols' | 'rowAxis' | 'colAxis'>, opts: Pick<HeatmapOpts, 'width' | 'height'>): HeatmapGeometry {
  const budget = cellBudget(opts);
  return {
    rows: input.rows,
    cols: input.cols,
    blockRows: poolBlock(input.rows, budget.rows),
    blockCols: poolBlock(input.cols, budget.cols),
    rowAxis: spanOf(input.rows, input.rowAxis),
    colAxis: spanOf(input.cols, input.colAxis),
  };
}

/** The query and key tokens [a, b) of drawn cell (column j, row i). */
export function cellAt(g: HeatmapGeometry, j: number, i: number): { rows: [number, number]; cols: [number, number] } {
  return { rows: cellTokens(g.rowAxis, g.rows, g.blockRows, i), cols: cellTokens(g.colAxis, g.cols, g.blockCols, j) };
}

/** How many cells the geometry draws down and across. */
const drawnCells = (g: HeatmapGeometry) => ({ drawnRows: Math.ceil(g.rows / g.blockRows), drawnCols: Math.ceil(g.cols / g.blockCols) });

/** The tokens of the drawn cells [x0, x1] × [y0, y1] (inclusive, as a brush reports them), clamped to the grid. */
export function regionAt(g: HeatmapGeometry, [x0, x1]: [number, number], [y0, y1]: [number, number]): { rows: [number, number]; cols: [number, number] } {
  const { drawnRows, drawnCols } = drawnCells(g);
  const clamp = (c: number, n: number) => Math.max(0, Math.min(n - 1, Math.round(c)));
  const [r0, r1] = [clamp(Math.min(y0, y1), drawnRows), clamp(Math.max(y0, y1), drawnRows)];
  const [c0, c1] = [clamp(Math.min(x0, x1), drawnCols), clamp(Math.max(x0, x1), drawnCols)];
  return { rows: cellsToTokens(g.rowAxis, g.rows, g.blockRows, r0, r1), cols: cellsToTokens(g.colAxis, g.cols, g.blockCols, c0, c1) };
}

/** A brushed rectangle smaller than this (px) on either side is a click that wobbled, not a region. */
export const MIN_BRUSH_PX = 4;

/** The tokens of the rectangle an ECharts brushEnd event reports (params.areas[0]), or null for none or a wobble. */
export function brushedRegion(g: HeatmapGeometry, params: unknown): { rows: [number, number]; cols: [number, number] } | null {
  const area = (params as { areas?: { coordRange?: unknown; range?: number[][] }[] } | null)?.areas?.[0];
  const cr = area?.coordRange as [[number, number], [number, number]] | undefined;
  if (!Array.isArray(cr) || !Array.isArray(cr[0]) || !Array.isArray(cr[1])) return null;
  const px = area?.range;
  if (px && (Math.abs(px[0][1] - px[0][0]) < MIN_BRUSH_PX || Math.abs(px[1][1] - px[1][0]) < MIN_BRUSH_PX)) return null;
  return regionAt(g, cr[0], cr[1]);
}

/** A token range in words: "cat (12)" for one token (a repeat numbered: "the#2 (4)"), "queries 8–15" for a block. */
export function tokenRangeText(what: 'query' | 'key', tokens: string[] | null, [a, b]: [number, number]): string {
  if (b - a > 1) return `${what === 'query' ? 'queries' : 'keys'} ${a}–${b - 1}`;
  return tokens && a < tokens.length ? `${displayToken(tokenLabel(tokens, a), 24)} (${a})` : `${what} ${a}`;
}

/**
 * The tooltip line of one cell: "cat (1) → the (0): weight 0.123 (score 1.45)"; a pooled
 * cell says what it pools: "mean of the 8 × 8 block [8–15] × [24–31]: weight 0.0123".
 */
export function cellTooltip(input: HeatmapInput, cell: { rows: [number, number]; cols: [number, number] }, value: number, other: number | null, pooledMode?: PoolMode): string {
  const label = defaultValueLabel(input);
  if (pooledMode) {
    // a side of one token is named by its token, a longer side by its index range
    const side = (what: 'query' | 'key', tokens: string[] | null, [a, z]: [number, number]) => (z - a > 1 ? `[${a}–${z - 1}]` : tokenRangeText(what, tokens, [a, z]));
    const [[r0, r1], [c0, c1]] = [cell.rows, cell.cols];
    const where = `${pooledMode} of the ${r1 - r0} × ${c1 - c0} block ${side('query', input.rowLabels, cell.rows)} × ${side('key', input.colLabels, cell.cols)}`;
    return value === -Infinity ? `${where}: masked` : `${where}: ${label} ${formatValue(value)}`;
  }
  const row = tokenRangeText('query', input.rowLabels, cell.rows);
  const col = tokenRangeText('key', input.colLabels, cell.cols);
  if (value === -Infinity) return `${row} → ${col}: masked`;
  const otherLabel = input.view.matrix === 'weights' ? 'score' : 'weight';
  const main = `${label} ${formatValue(value)}`;
  return other === null || input.diverging ? `${row} → ${col}: ${main}` : `${row} → ${col}: ${main} (${otherLabel} ${formatValue(other)})`;
}

/** The grid box of a heatmap option. */
export function gridBox(option: EChartsOption): GridBox | null {
  const grid = (Array.isArray(option.grid) ? option.grid[0] : option.grid) as Record<string, unknown> | undefined;
  if (!grid) return null;
  const n = (k: string) => (typeof grid[k] === 'number' ? grid[k] : NaN);
  const box = { left: n('left'), top: n('top'), width: n('width'), height: n('height') };
  return Object.values(box).every(Number.isFinite) ? box : null;
}

/**
 * The hover text of each option withInteraction made with a tooltip, over drawn cell [j, i]
 * (tooltipAtPoint). Beside the option, not in it: an ECharts tooltip component, even one that
 * shows nothing, builds its DOM and forces a layout every time an option replaces the last.
 */
const cellTips = new WeakMap<EChartsOption, (j: number, i: number) => string>();

const graphicList = (option: EChartsOption): unknown[] => (option.graphic === undefined ? [] : Array.isArray(option.graphic) ? [...option.graphic] : [option.graphic]);

/** Apply the hook to a heatmap option (heatmapOption calls this with what it drew). */
export function withInteraction(option: EChartsOption, input: HeatmapInput, p: Prepared, h: HeatmapInteraction, pixels?: MatrixPixels): EChartsOption {
  const g: HeatmapGeometry = { rows: input.rows, cols: input.cols, blockRows: p.pooled.blockRows, blockCols: p.pooled.blockCols, rowAxis: p.rowAxis, colAxis: p.colAxis };
  const out: EChartsOption = { ...option };
  const box = gridBox(option);
  const graphic = graphicList(option);
  if (h.tooltip) {
    const pooled = g.blockRows * g.rowAxis.step > 1 || g.blockCols * g.colAxis.step > 1;
    cellTips.set(out, (j, i) => {
      const k = i * p.pooled.cols + j;
      const other = p.companion ? p.companion.values[k] : null;
      return cellTooltip(input, cellAt(g, j, i), p.pooled.values[k], other, pooled ? p.mode : undefined);
    });
  }
  if (h.brush) {
    // selection only: the brush neither recolours the cells nor selects series data
    out.brush = {
      xAxisIndex: 0,
      yAxisIndex: 0,
      seriesIndex: [],
      brushType: 'rect',
      brushMode: 'single',
      transformable: false,
      removeOnClick: true,
      outOfBrush: { colorAlpha: 1 },
      brushStyle: { borderWidth: 1, color: 'rgba(120,140,200,0.15)', borderColor: 'rgba(60,80,160,0.9)' },
    };
  }
  if (h.image && pixels && box) {
    const image = h.image.paint(pixels);
    if (image) {
      graphic.push({ type: 'image', id: 'matrix-image', left: box.left, top: box.top, silent: true, z: 5, style: { image, x: 0, y: 0, width: box.width, height: box.height } });
    }
  }
  if (h.pinnedRow !== null && h.pinnedRow !== undefined && box) {
    const per = g.blockRows * g.rowAxis.step;
    const r = Math.floor((h.pinnedRow - g.rowAxis.start) / per);
    if (r >= 0 && r < p.pooled.rows) {
      const ch = box.height / p.pooled.rows;
      graphic.push({
        type: 'rect',
        id: 'pinned-row',
        silent: true,
        z: 10,
        shape: { x: box.left - 1, y: box.top + r * ch - 1, width: box.width + 2, height: Math.max(2, ch + 2) },
        style: { fill: 'transparent', stroke: h.pinColor ?? '#111111', lineWidth: 2 },
      });
    }
  }
  out.graphic = graphic as EChartsOption['graphic'];
  return out;
}

/** The drawn cell [j, i] (column, row) under a point of the chart (px from its top left), or null outside the grid box. */
export function cellAtPoint(g: HeatmapGeometry, box: GridBox, x: number, y: number): [number, number] | null {
  const { drawnRows, drawnCols } = drawnCells(g);
  if (!(box.width > 0 && box.height > 0) || x < box.left || y < box.top || x >= box.left + box.width || y >= box.top + box.height) return null;
  // row 0 is drawn at the top
  const j = Math.min(drawnCols - 1, Math.floor(((x - box.left) / box.width) * drawnCols));
  const i = Math.min(drawnRows - 1, Math.floor(((y - box.top) / box.height) * drawnRows));
  return [j, i];
}

/**
 * What the heatmap's tooltip says at a point of the chart (px from its top left): the text of
 * the drawn cell there, whether ECharts drew the cells or an image of them; null outside the
 * grid box, or for an option made without a tooltip.
 */
export function tooltipAtPoint(option: EChartsOption, g: HeatmapGeometry, box: GridBox, x: number, y: number): string | null {
  const at = cellAtPoint(g, box, x, y);
  return at ? tooltipAtCell(option, at[0], at[1]) : null;
}

/** What the heatmap's tooltip says over drawn cell (column j, row i); null for an option made without a tooltip. */
export function tooltipAtCell(option: EChartsOption, j: number, i: number): string | null {
  return cellTips.get(option)?.(j, i) ?? null;
}

/** The query and key tokens [a, b) under a point of the chart (a pooled cell's whole block), or null outside the grid box. */
export function tokensAtPoint(g: HeatmapGeometry, box: GridBox, x: number, y: number): { rows: [number, number]; cols: [number, number] } | null {
  const at = cellAtPoint(g, box, x, y);
  return at ? cellAt(g, at[0], at[1]) : null;
}
