/**
 * Big matrices as an image: the matrix pooled to the plot's pixel size and painted into
 * RGBA pixels with the same colour scale as the heatmap's colour bar (src-shared/charts'
 * `colourScale` and `colorAt` agree with ECharts' visualMap). The pixels are pure data here;
 * the component puts them on a canvas, and `withImageOverlay` places that canvas over the
 * heatmap's grid as an ECharts `graphic` image.
 */
import type { EChartsOption } from 'echarts';
import { colorAt, parseColor } from '../../../src-shared/charts/colormaps';
import { colourScale, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { poolMatrix } from '../../../src-shared/charts/pool';

/** Matrices larger than this on either axis are drawn as an image. */
export const IMAGE_THRESHOLD = 256;

export function needsImage(rows: number, cols: number): boolean {
  return rows > IMAGE_THRESHOLD || cols > IMAGE_THRESHOLD;
}

export interface MatrixPixels {
  width: number;
  height: number;
  /** RGBA, row-major, width × height × 4 */
  data: Uint8ClampedArray;
}

/**
 * The matrix pooled to at most maxWidth × maxHeight pixels (mean of each block, as the
 * heatmap pools) and coloured; fully masked blocks get `maskedColor`.
 */
export function matrixPixels(input: HeatmapInput, maxWidth: number, maxHeight: number, maskedColor: string): MatrixPixels {
  const pooled = poolMatrix(input.values, input.rows, input.cols, Math.max(1, Math.floor(maxHeight)), Math.max(1, Math.floor(maxWidth)), input.pool ?? 'mean', input.blocked);
  const scale = colourScale(input, pooled.values, { blockRows: pooled.blockRows, blockCols: pooled.blockCols, mode: input.pool ?? 'mean' });
  const masked = parseColor(maskedColor);
  const data = new Uint8ClampedArray(pooled.rows * pooled.cols * 4);
  // a 256-entry lookup table: colouring a million pixels must not interpolate a million times
  const lut = new Uint8ClampedArray(256 * 3);
  for (let s = 0; s < 256; s++) {
    const [r, g, b] = colorAt(scale.colormap, s / 255);
    lut[s * 3] = r;
    lut[s * 3 + 1] = g;
    lut[s * 3 + 2] = b;
  }
  for (let k = 0; k < pooled.values.length; k++) {
    const v = pooled.values[k];
    const o = k * 4;
    if (v === -Infinity) {
      data[o] = masked[0];
      data[o + 1] = masked[1];
      data[o + 2] = masked[2];
    } else {
      const s = Math.round(Math.min(1, Math.max(0, scale.position(v))) * 255) * 3;
      data[o] = lut[s];
      data[o + 1] = lut[s + 1];
      data[o + 2] = lut[s + 2];
    }
    data[o + 3] = 255;
  }
  return { width: pooled.cols, height: pooled.rows, data };
}

interface GridBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The pixel box of a heatmap option's grid (the shared builder places it in pixels). */
export function gridBox(option: EChartsOption): GridBox | null {
  const grid = (Array.isArray(option.grid) ? option.grid[0] : option.grid) as Record<string, unknown> | undefined;
  if (!grid) return null;
  const n = (k: string) => (typeof grid[k] === 'number' ? (grid[k] as number) : NaN);
  const box = { left: n('left'), top: n('top'), width: n('width'), height: n('height') };
  return Object.values(box).every(Number.isFinite) ? box : null;
}

function graphicList(option: EChartsOption): unknown[] {
  const g = option.graphic;
  return g === undefined ? [] : Array.isArray(g) ? [...g] : [g];
}

/**
 * The heatmap option with `image` drawn over its grid. The cell series stays underneath,
 * invisible, so hover and click still report the cell under the pointer.
 */
export function withImageOverlay(option: EChartsOption, image: CanvasImageSource | string): EChartsOption {
  const box = gridBox(option);
  if (!box) return option;
  const series = (Array.isArray(option.series) ? option.series : option.series ? [option.series] : []).map((s, i) =>
    i === 0 ? { ...(s as object), itemStyle: { ...((s as { itemStyle?: object }).itemStyle ?? {}), opacity: 0, borderWidth: 0 }, label: { show: false } } : s,
  );
  return {
    ...option,
    series: series as EChartsOption['series'],
    graphic: [
      ...graphicList(option),
      {
        type: 'image',
        id: 'matrix-image',
        left: box.left,
        top: box.top,
        silent: true,
        z: 5,
        style: { image: image as never, x: 0, y: 0, width: box.width, height: box.height },
      },
    ] as EChartsOption['graphic'],
  };
}

/**
 * A frame around the pinned row (drawn rows may be pooled blocks: `blockRows` source rows
 * each), on top of the cells.
 */
export function withPinnedRow(option: EChartsOption, row: number | null, drawnRows: number, blockRows: number, color: string): EChartsOption {
  const box = gridBox(option);
  if (row === null || !box || drawnRows <= 0) return option;
  const r = Math.floor(row / Math.max(1, blockRows));
  if (r >= drawnRows) return option;
  const h = box.height / drawnRows;
  return {
    ...option,
    graphic: [
      ...graphicList(option),
      {
        type: 'rect',
        id: 'pinned-row',
        silent: true,
        z: 10,
        shape: { x: box.left - 1, y: box.top + r * h - 1, width: box.width + 2, height: Math.max(2, h + 2) },
        style: { fill: 'transparent', stroke: color, lineWidth: 2 },
      },
    ] as EChartsOption['graphic'],
  };
}

/** The number of rows the option draws (its y axis categories). */
export function drawnRows(option: EChartsOption): number {
  const y = (Array.isArray(option.yAxis) ? option.yAxis[0] : option.yAxis) as { data?: unknown[] } | undefined;
  return y?.data?.length ?? 0;
}

/** The row of a clicked heatmap cell (ECharts click params: data [j, i, v] or {value: [j, i, v]}). */
export function clickedRow(params: unknown): number | null {
  const p = params as { data?: unknown; seriesIndex?: number } | null;
  if (!p || p.data === undefined) return null;
  const d = Array.isArray(p.data) ? p.data : (p.data as { value?: unknown[] }).value;
  if (!Array.isArray(d) || typeof d[1] !== 'number') return null;
  return d[1];
}
