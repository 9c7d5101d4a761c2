/** A small PNG reader for tests (resvg encodes but does not decode): IHDR plus inflated, unfiltered IDAT. */
import { inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, row-major */
  rgba: Uint8Array;
}

export function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

export function decodePng(png: Uint8Array): DecodedPng {
  for (let i = 0; i < 8; i++) if (png[i] !== PNG_SIGNATURE[i]) throw new Error('not a PNG');
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  let bitDepth = 0;
  const idat: Uint8Array[] = [];
  while (off < png.length) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = v.getUint32(off + 8);
      height = v.getUint32(off + 12);
      bitDepth = png[off + 16];
      colorType = png[off + 17];
      if (png[off + 20] !== 0) throw new Error('interlaced PNGs are not supported here');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (bitDepth !== 8 || (colorType !== 6 && colorType !== 2)) throw new Error(`unsupported PNG: colour type ${colorType}, depth ${bitDepth}`);
  const channels = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter}`);
      }
      row[x] = (src[x] + p) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: out };
  const rgba = new Uint8Array(width * height * 4);
  for (let k = 0; k < width * height; k++) {
    rgba.set(out.subarray(k * 3, k * 3 + 3), k * 4);
    rgba[k * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** How many pixels are within `tol` (per channel) of a colour. */
export function countColour(img: DecodedPng, [r, g, b]: [number, number, number], tol = 3): number {
  let n = 0;
  for (let k = 0; k < img.width * img.height; k++) {
    const o = k * 4;
    if (Math.abs(img.rgba[o] - r) <= tol && Math.abs(img.rgba[o + 1] - g) <= tol && Math.abs(img.rgba[o + 2] - b) <= tol) n++;
  }
  return n;
}

export function distinctColours(img: DecodedPng): number {
  const seen = new Set<number>();
  for (let k = 0; k < img.width * img.height; k++) {
    const o = k * 4;
    seen.add((img.rgba[o] << 16) | (img.rgba[o + 1] << 8) | img.rgba[o + 2]);
  }
  return seen.size;
}

/** Pixels darker than `level` (0–255 luminance-ish) inside a rectangle: text, lines. */
export function darkPixels(img: DecodedPng, x0: number, y0: number, x1: number, y1: number, level = 160): number {
  let n = 0;
  for (let y = Math.max(0, y0); y < Math.min(img.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x1); x++) {
      const o = (y * img.width + x) * 4;
      if ((img.rgba[o] + img.rgba[o + 1] + img.rgba[o + 2]) / 3 < level) n++;
    }
  }
  return n;
}
