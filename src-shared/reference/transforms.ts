/**
 * The transforms of q and k before scoring, written from docs/semantics.md one value at a
 * time, in float64 and without sharing code with src-shared/job/transforms (which applies
 * them to whole matrices for the engine): the tests hold the two against each other and
 * against numpy.
 */
import type { ResolvedBias } from '../job/problem';
import type { Vector } from './vectors';

/** RoPE of one head's vector at position p: pair r (half: (r, r + dims/2); interleaved: (2r, 2r + 1)) turned by p·base^(−2r/dims). */
export function ropeVector(x: Vector, p: number, base: number, dims: number, layout: 'half' | 'interleaved'): Float64Array {
  const out = Float64Array.from(x);
  for (let r = 0; r < dims / 2; r++) {
    const a = layout === 'half' ? r : 2 * r;
    const b = layout === 'half' ? r + dims / 2 : 2 * r + 1;
    const angle = p * Math.pow(base, (-2 * r) / dims);
    out[a] = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
    out[b] = x[a] * Math.sin(angle) + x[b] * Math.cos(angle);
  }
  return out;
}

/** PE(p) of width d: PE(p, 2r) = sin(p/10000^(2r/d)), PE(p, 2r + 1) = cos(p/10000^(2r/d)). */
export function sinusoidalVector(p: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    const r = Math.floor(c / 2);
    const angle = p / Math.pow(10000, (2 * r) / d);
    out[c] = c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
  }
  return out;
}

/** ALiBi's term for head h, query row i and key j: −m_h·|i + offset − j|. */
export function biasAt(bias: ResolvedBias, h: number, i: number, j: number): number {
  return -bias.slopes[h] * Math.abs(i + bias.offset - j);
}

/** IEEE rint: the nearest integer, halves to the even one. */
function rint(x: number): number {
  const n = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && n % 2 !== 0 ? n - 1 : n;
}

/** One group quantized to b bits: s = max|x|/(2^(b−1) − 1), x̂ = clip(rint(x/s), ±(2^(b−1) − 1))·s; all zeros stay zero. */
export function quantizeIntGroup(values: Vector, bits: number): Float64Array {
  const top = Math.pow(2, bits - 1) - 1;
  const maxAbs = Math.max(0, ...Array.from(values, Math.abs));
  if (maxAbs === 0) return Float64Array.from(values);
  const s = maxAbs / top;
  return Float64Array.from(values, (x) => Math.min(top, Math.max(-top, rint(x / s))) * s);
}

/** The largest power of two ≤ |x| (x ≠ 0), found by doubling and halving, not from bits. */
function binade(x: number): number {
  let e = Math.floor(Math.log2(Math.abs(x)));
  while (Math.pow(2, e) > Math.abs(x)) e--;
  while (Math.pow(2, e + 1) <= Math.abs(x)) e++;
  return e;
}

/** x to a binary format with `fraction` bits, smallest normal exponent `emin`, largest finite `max`, and back. */
function roundTrip(x: number, fraction: number, emin: number, max: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const spacing = Math.pow(2, Math.max(binade(x), emin) - fraction);
  const r = rint(x / spacing) * spacing;
  return Math.abs(r) > max ? Math.sign(r) * Infinity : r;
}

export const float16RoundTrip = (x: number): number => roundTrip(x, 10, -14, 65504);
export const bfloat16RoundTrip = (x: number): number => roundTrip(x, 7, -126, (2 - Math.pow(2, -7)) * Math.pow(2, 127));

/** The bias fits the problem: one finite slope ≥ 0 per head and a whole-number offset. */
export function checkBias(bias: ResolvedBias | undefined, heads: number): void {
  if (!bias) return;
  if (bias.slopes.length !== heads) throw new Error(`bias '${bias.id}': ${bias.slopes.length} slopes, expected one per head (${heads})`);
  if (!bias.slopes.every((m) => Number.isFinite(m) && m >= 0)) throw new Error(`bias '${bias.id}': slopes must be finite and ≥ 0`);
  if (!Number.isInteger(bias.offset)) throw new Error(`bias '${bias.id}': offset must be a whole number, got ${bias.offset}`);
}
