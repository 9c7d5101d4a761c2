/**
 * The renderer's heatmap option: src-shared's heatmapOption, plus (for matrices larger than
 * IMAGE_THRESHOLD) the matrix painted at screen resolution on a canvas and placed over the
 * grid, plus the pinned-row frame. The only DOM use is the canvas.
 */
import type { EChartsOption } from 'echarts';
import { heatmapOption, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { palette, type ChartTheme } from '../../../src-shared/charts/theme';
import { drawnRows, gridBox, matrixPixels, needsImage, withImageOverlay, withPinnedRow, type MatrixPixels } from './image';

export function paintCanvas(pixels: MatrixPixels): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, pixels.width);
  canvas.height = Math.max(1, pixels.height);
  const ctx = canvas.getContext('2d');
  if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  return canvas;
}

let cache: { values: Float32Array; key: string; canvas: HTMLCanvasElement } | null = null;

/** The matrix image for this input and grid size (the last one is cached: hover and pin re-use it). */
function matrixCanvas(input: HeatmapInput, width: number, height: number, theme: ChartTheme): HTMLCanvasElement {
  const dpr = typeof window !== 'undefined' ? Math.min(2, window.devicePixelRatio || 1) : 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  const key = [w, h, input.rows, input.cols, input.view.colormap, input.view.scale, input.view.matrix, input.range?.join(',') ?? '', input.diverging ? 1 : 0, theme].join('|');
  if (cache && cache.values === input.values && cache.key === key) return cache.canvas;
  const canvas = paintCanvas(matrixPixels(input, w, h, palette(theme).masked));
  cache = { values: input.values, key, canvas };
  return canvas;
}

export interface DrawOptions {
  width: number;
  height: number;
  theme: ChartTheme;
  pinnedRow?: number | null;
  /** source rows per drawn row of the input (the engine's overview pools rows) */
  rowsPerInputRow?: number;
  pinColor?: string;
}

export function drawHeatmap(input: HeatmapInput, o: DrawOptions): EChartsOption {
  let option = heatmapOption(input, { width: o.width, height: o.height, theme: o.theme });
  if (needsImage(input.rows, input.cols)) {
    const box = gridBox(option);
    if (box) option = withImageOverlay(option, matrixCanvas(input, box.width, box.height, o.theme));
  }
  if (o.pinnedRow !== null && o.pinnedRow !== undefined) {
    const rows = drawnRows(option);
    const perDrawn = Math.max(1, Math.ceil(input.rows / Math.max(1, rows))) * (o.rowsPerInputRow ?? 1);
    option = withPinnedRow(option, o.pinnedRow, rows, perDrawn, o.pinColor ?? (o.theme === 'dark' ? '#ffffff' : '#111111'));
  }
  return option;
}
