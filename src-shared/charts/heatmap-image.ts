/**
 * A big matrix as an image: pooled to the plot's pixel size and painted into RGBA pixels with
 * the colour scale of the heatmap's colour bar (`colourScale`, `colorAt` agree with ECharts'
 * visualMap). Pure data: heatmapOption pools and paints it for its image hook (the app puts
 * the pixels on a canvas, an export encodes a PNG), and takes its colour bar from the same
 * pooling, so the bar names the colours the image shows.
 */
import { colorAt, parseColor } from './colormaps';
import type { HeatmapInput } from './heatmap';
import { colourScale, scaledValues, type ColourScale } from './heatmap-scale';
import { poolBlock, poolMatrix, type PooledMatrix } from './pool';

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
  const pooled = imagePooling(input, maxWidth, maxHeight);
  return paintPixels(pooled, colourScale(input, pooled.values, { blockRows: pooled.blockRows, blockCols: pooled.blockCols, mode: input.pool ?? 'mean' }), maskedColor);
}

/** the last two poolings: the heatmap pools its input twice per draw (below), and redraws it for every pin and resize step */
const poolings: { values: Float32Array; key: string; pooled: PooledMatrix }[] = [];

/**
 * The input pooled to at most maxRows × maxCols blocks (after its colour scale's transform:
 * log, per-row maximum), as `poolMatrix` pools it. The heatmap pools its input to its cell
 * budget (the axes, hover) and to the image's pixels; where both make the same blocks (a 512²
 * overview on a plot of 256–511 px: blocks of 2 either way) the second is the first (~5 ms a
 * draw). The last two are kept, keyed on the blocks they make.
 */
export function pooledInput(input: HeatmapInput, maxRows: number, maxCols: number): PooledMatrix {
  const mode = input.pool ?? 'mean';
  const key = [
    poolBlock(input.rows, maxRows),
    poolBlock(input.cols, maxCols),
    input.rows,
    input.cols,
    mode,
    input.view.scale,
    input.diverging ? 1 : 0,
    input.blocked ? input.blocked.length : 0,
  ].join('|');
  const kept = poolings.find((p) => p.values === input.values && p.key === key);
  if (kept) return kept.pooled;
  const pooled = poolMatrix(scaledValues(input), input.rows, input.cols, maxRows, maxCols, mode, input.blocked);
  poolings.unshift({ values: input.values, key, pooled });
  poolings.length = Math.min(poolings.length, 2);
  return pooled;
}

/** The input pooled to at most maxWidth × maxHeight pixels (pooledInput). */
export function imagePooling(input: HeatmapInput, maxWidth: number, maxHeight: number): PooledMatrix {
  return pooledInput(input, Math.max(1, Math.floor(maxHeight)), Math.max(1, Math.floor(maxWidth)));
}

let lastPaint: { pooled: PooledMatrix; key: string; pixels: MatrixPixels } | null = null;

/**
 * A pooled matrix coloured by a colour scale (the one its colour bar shows); fully masked
 * blocks get `maskedColor`. The last one is kept, as the pooling is: the same pixels come
 * back for a redraw, and the app's canvas of them with them.
 */
export function paintPixels(pooled: PooledMatrix, scale: ColourScale, maskedColor: string): MatrixPixels {
  const key = [scale.colormap, scale.min, scale.max, scale.log ? 1 : 0, maskedColor].join('|');
  if (lastPaint && lastPaint.pooled === pooled && lastPaint.key === key) return lastPaint.pixels;
  const pixels = colourPixels(pooled.values, pooled.cols, pooled.rows, scale, maskedColor);
  lastPaint = { pooled, key, pixels };
  return pixels;
}

/**
 * Values already pooled (width × height, row-major) as RGBA pixels in `scale`'s colours;
 * −Infinity (a fully masked block) gets `maskedColor`. A thumbnail's pooled cells become
 * one image this way instead of one ECharts item each.
 */
export function colourPixels(values: ArrayLike<number>, width: number, height: number, scale: ColourScale, maskedColor: string): MatrixPixels {
  const [mr, mg, mb] = parseColor(maskedColor);
  const data = new Uint8ClampedArray(width * height * 4);
  // a 256-entry lookup table: colouring a million pixels must not interpolate a million times
  const lut = new Uint8ClampedArray(256 * 3);
  for (let s = 0; s < 256; s++) lut.set(colorAt(scale.colormap, s / 255), s * 3);
  for (let k = 0; k < width * height; k++) {
    const v = values[k];
    const o = k * 4;
    if (v === -Infinity) {
      // (no array per pixel: half of a causal map is masked)
      data[o] = mr;
      data[o + 1] = mg;
      data[o + 2] = mb;
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
