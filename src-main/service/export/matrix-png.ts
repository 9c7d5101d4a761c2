/**
 * A heatmap's cells as one PNG image, for exports: a long map drawn as 65,536 vector cells
 * made a 10–13 MB SVG and seconds of resvg; as one embedded raster (with the axes, labels,
 * colour bar and caption still vector text) it costs what its pixels cost.
 */
import { PNG } from 'pngjs';
import type { MatrixPixels } from '../../../src-shared/charts/heatmap-image';

/** The pixels as PNG bytes (RGBA, 8 bits a channel). */
export function encodePng(pixels: MatrixPixels): Buffer {
  const png = new PNG({ width: pixels.width, height: pixels.height, colorType: 6, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  // one filter for every row ("sub": neighbouring cells share colours) instead of pngjs's per-row
  // trial of all five: 2048² pixels encode in ~0.14 s instead of ~0.5 s, at the same size (~0.3 MB)
  return PNG.sync.write(png, { filterType: 1 });
}

/** The pixels as a data: URL an SVG <image> can embed. */
export function pngDataUrl(pixels: MatrixPixels): string {
  return `data:image/png;base64,${encodePng(pixels).toString('base64')}`;
}
