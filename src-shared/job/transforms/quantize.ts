/**
 * Quantization of q, k (and v) after positions, before scoring (docs/semantics.md
 * "Quantization"): symmetric integer round-to-nearest-even per group of one head, or a
 * round trip through float16 / bfloat16. Float64 arithmetic, one rounding to float32.
 */
import { matrix, type Matrix } from '../../linalg/matrix';

export type QuantGroup = 'tensor' | 'channel' | 'token';

export type Quantizer = { id: 'int'; bits: number; group: QuantGroup } | { id: 'float16' } | { id: 'bfloat16' };

/** Round half to even (IEEE rint), not Math.round's half-up. */
export function rintEven(x: number): number {
  const f = Math.floor(x);
  const frac = x - f;
  if (frac < 0.5) return f;
  if (frac > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A float32 value's binary exponent (−127 for zero and float32 subnormals). */
function exponentOf(x: number): number {
  f32[0] = x;
  return ((u32[0] >>> 23) & 0xff) - 127;
}

/**
 * x rounded to the nearest value with `mantissa` fraction bits and a smallest normal
 * exponent `minExp` (below it the spacing stays 2^(minExp − mantissa): subnormals), ties to
 * even; past `max` it overflows to ±∞ as IEEE rounding does.
 */
function roundToFormat(x: number, mantissa: number, minExp: number, max: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const e = Math.max(exponentOf(x), minExp);
  const ulp = Math.pow(2, e - mantissa);
  const r = rintEven(x / ulp) * ulp;
  return Math.abs(r) > max ? Math.sign(r) * Infinity : r;
}

/** IEEE half precision: 10 fraction bits, exponents −14…15, largest 65504. */
export const toFloat16 = (x: number): number => roundToFormat(x, 10, -14, 65504);
/** bfloat16: 7 fraction bits, float32's exponents. */
export const toBfloat16 = (x: number): number => roundToFormat(x, 7, -126, (2 - 2 ** -7) * 2 ** 127);

/** Symmetric b-bit quantization of the values at `idx` of `src` into `out` (one group, one scale). */
function quantizeGroup(src: Float32Array, out: Float32Array, idx: (n: number) => number, count: number, levels: number): void {
  let maxAbs = 0;
  for (let n = 0; n < count; n++) maxAbs = Math.max(maxAbs, Math.abs(src[idx(n)]));
  // an all-zero group stays zero (no 0/0 scale)
  if (maxAbs === 0) return;
  const scale = maxAbs / levels;
  for (let n = 0; n < count; n++) {
    const at = idx(n);
    out[at] = Math.min(levels, Math.max(-levels, rintEven(src[at] / scale))) * scale;
  }
}

/** Every head of `m` quantized; groups never span two heads. */
export function quantizeMatrix(m: Matrix, heads: number, qz: Quantizer): Matrix {
  const out = Float32Array.from(m.data);
  if (qz.id !== 'int') {
    const round = qz.id === 'float16' ? toFloat16 : toBfloat16;
    for (let x = 0; x < out.length; x++) out[x] = round(m.data[x]);
    return matrix(m.rows, m.cols, out);
  }
  const levels = 2 ** (qz.bits - 1) - 1;
  const { rows: T, cols } = m;
  const w = cols / heads;
  for (let h = 0; h < heads; h++) {
    const c0 = h * w;
    if (qz.group === 'tensor') {
      quantizeGroup(m.data, out, (n) => Math.floor(n / w) * cols + c0 + (n % w), T * w, levels);
    } else if (qz.group === 'channel') {
      for (let c = 0; c < w; c++) quantizeGroup(m.data, out, (t) => t * cols + c0 + c, T, levels);
    } else {
      for (let t = 0; t < T; t++) quantizeGroup(m.data, out, (c) => t * cols + c0 + c, w, levels);
    }
  }
  return matrix(T, cols, out);
}
