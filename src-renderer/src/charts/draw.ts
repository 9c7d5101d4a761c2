/**
 * The app's heatmap: src-shared's heatmapOption (the picture the exports draw too) with its
 * interaction hook: hover tooltip, region brush, pinned-row frame, and, for matrices larger
 * than IMAGE_THRESHOLD, the matrix painted at screen resolution on a canvas (the only DOM use).
 */
import type { EChartsOption } from 'echarts';
import { heatmapOption, smallMultipleOption, type HeatmapInput } from '../../../src-shared/charts/heatmap';
import { matrixPixels, needsImage, type MatrixPixels } from '../../../src-shared/charts/heatmap-image';
import { palette, type ChartTheme } from '../../../src-shared/charts/theme';

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
      image: needsImage(input.rows, input.cols) ? (box) => matrixCanvas(input, box.width, box.height, o.theme) : undefined,
    },
  );
}

/**
 * A head's thumbnail: its pooled cells (at most SMALL_CELL_BUDGET a side) as one image, scaled
 * up without smoothing to the grid's pixels, rather than thousands of ECharts heatmap items
 * (8 heads of 64 × 64 items took most of a run's frame at T = 2048: bench --app).
 */
export function drawSmallMultiple(input: HeatmapInput, o: { width: number; height: number; theme: ChartTheme }): EChartsOption {
  return smallMultipleOption(
    input,
    { width: o.width, height: o.height, theme: o.theme, small: true },
    {
      image: (pixels, box) => {
        if (typeof document === 'undefined') return null;
        const dpr = typeof window !== 'undefined' ? Math.min(2, window.devicePixelRatio || 1) : 1;
        const canvas = document.createElement('canvas');
        canvas.width = Math.max(1, Math.round(box.width * dpr));
        canvas.height = Math.max(1, Math.round(box.height * dpr));
        const ctx = canvas.getContext('2d');
        if (!ctx) return null;
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(paintCanvas(pixels), 0, 0, canvas.width, canvas.height);
        return canvas;
      },
    },
  );
}
