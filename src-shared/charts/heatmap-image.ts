/**
 * A big matrix as an image: pooled to the plot's pixel size and painted into RGBA pixels with
 * the colour scale of the heatmap's colour bar (`colourScale`, `colorAt` agree with ECharts'
 * visualMap). Pure data: the app puts the pixels on a canvas and hands it to heatmapOption's
 * hook (`image`), which lays it over the grid.
 */
import { colorAt, parseColor } from './colormaps';
import type { HeatmapInput } from './heatmap';
import { colourScale, scaledValues, type ColourScale } from './heatmap-scale';
import { poolMatrix } from './pool';

/** Matrices larger than this on either axis are drawn as an image in the app (the option has at most this many cells a side). */
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
 * The matrix pooled to at most maxWidth × maxHeight pixels (as the heatmap pools) and
 * coloured; fully masked blocks get `maskedColor`.
 */
export function matrixPixels(input: HeatmapInput, maxWidth: number, maxHeight: number, maskedColor: string): MatrixPixels {
  const mode = input.pool ?? 'mean';
  const pooled = poolMatrix(scaledValues(input), input.rows, input.cols, Math.max(1, Math.floor(maxHeight)), Math.max(1, Math.floor(maxWidth)), mode, input.blocked);
  const scale = colourScale(input, pooled.values, { blockRows: pooled.blockRows, blockCols: pooled.blockCols, mode });
  return colourPixels(pooled.values, pooled.cols, pooled.rows, scale, maskedColor);
}

/**
 * Values already pooled (width × height, row-major) as RGBA pixels in `scale`'s colours;
 * −Infinity (a fully masked block) gets `maskedColor`. A thumbnail's pooled cells become
 * one image this way instead of one ECharts item each.
 */
export function colourPixels(values: ArrayLike<number>, width: number, height: number, scale: ColourScale, maskedColor: string): MatrixPixels {
  const masked = parseColor(maskedColor);
  const data = new Uint8ClampedArray(width * height * 4);
  // a 256-entry lookup table: colouring a million pixels must not interpolate a million times
  const lut = new Uint8ClampedArray(256 * 3);
  for (let s = 0; s < 256; s++) lut.set(colorAt(scale.colormap, s / 255), s * 3);
  for (let k = 0; k < width * height; k++) {
    const v = values[k];
    const o = k * 4;
    if (v === -Infinity) {
      data.set(masked.slice(0, 3), o);
    } else {
      const s = Math.round(Math.min(1, Math.max(0, scale.position(v))) * 255) * 3;
      data[o] = lut[s];
      data[o + 1] = lut[s + 1];
      data[o + 2] = lut[s + 2];
    }
    data[o + 3] = 255;
  }
  return { width, height, data };
}
