/**
 * The lab's seeded random numbers. Every random matrix (projections, bilinear W, additive
 * Aq/Ak/v, GAT vectors, SimHash planes) comes from here so that the same seed gives the
 * same numbers in every backend, on every machine, in the app and the CLI.
 *
 * Generator: xoshiro128** (Blackman & Vigna), state seeded by splitmix32 from
 * `fnv1a32(label) ^ seed`. Gaussians: Box–Muller on two uniforms in (0, 1], computed in
 * float64. A stream is named by (seed, label), e.g. (7, "projection/q") or
 * (7, "bilinear/W/head3"), so adding a new consumer never shifts another one's numbers.
 */

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, label = '') {
    const sm = splitmix32((fnv1a32(label) ^ (seed >>> 0)) >>> 0);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1]. */
  uniform(): number {
    return (this.nextU32() + 1) / 4294967296;
  }

  /** Standard normal (Box–Muller, one value per pair of uniforms, no caching). */
  gaussian(): number {
    const u1 = this.uniform();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** `rows × cols` Gaussian entries with the given std, row-major, float64. */
export function gaussianMatrix(seed: number, label: string, rows: number, cols: number, std: number): Float64Array {
  const rng = new Rng(seed, label);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = rng.gaussian() * std;
  return out;
}
