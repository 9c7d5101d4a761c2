/**
 * The app's heatmap: src-shared's heatmapOption (the picture the exports draw too) with its
 * interaction hook: hover tooltip, region brush, pinned-row frame, and, for matrices larger
 * than IMAGE_THRESHOLD, the matrix painted at screen resolution on a canvas (the only DOM use).
 */
import type { EChartsOption } from 'echarts';
import { heatmapOption, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { needsImage, type MatrixPixels } from '../../../src-shared/charts/heatmap-image';
import type { ChartTheme } from '../../../src-shared/charts/theme';

/** Image pixels per CSS pixel: the screen's, up to 2 (finer is not seen, and costs pooling time). */
export const devicePixels = () => (typeof window !== 'undefined' ? Math.min(2, window.devicePixelRatio || 1) : 1);

export function paintCanvas(pixels: MatrixPixels): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, pixels.width);
  canvas.height = Math.max(1, pixels.height);
  const ctx = canvas.getContext('2d');
  if (ctx) ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels.data), pixels.width, pixels.height), 0, 0);
  return canvas;
}

let cache: { pixels: MatrixPixels; canvas: HTMLCanvasElement } | null = null;

/** The pixels on a canvas (the last one is kept: hover and pin redraw the same pixels, which heatmapOption keeps too). */
function matrixCanvas(pixels: MatrixPixels): HTMLCanvasElement {
  if (cache?.pixels.data !== pixels.data) cache = { pixels, canvas: paintCanvas(pixels) };
  return cache.canvas;
}

export interface DrawOptions {
  width: number;
  height: number;
  theme: ChartTheme;
  /** the pinned query row, a token index */
  pinnedRow?: number | null;
  /** arm the region brush (the focused heatmap zooms) */
  brush?: boolean;
}

export function drawHeatmap(input: HeatmapInput, o: DrawOptions): EChartsOption {
  return heatmapOption(
    input,
    { width: o.width, height: o.height, theme: o.theme },
    {
      tooltip: true,
      brush: o.brush,
      pinnedRow: o.pinnedRow,
      pinColor: o.theme === 'dark' ? '#ffffff' : '#111111',
      image: needsImage(input.rows, input.cols) ? { pixelRatio: devicePixels(), paint: matrixCanvas } : undefined,
    },
  );
}
