/**
 * Positions applied to the data (docs/semantics.md "Positions"): RoPE rotates each head's
 * q and k after projection, sinusoidal adds PE to the embeddings before projection. Both
 * change only the numbers the engine is fed, so they run once, here, when the problem is
 * resolved. Arithmetic in float64, each value rounded once to float32. ALiBi is a score
 * bias, not a data transform: the graph and the reference add it (problem.ts `bias`).
 */
import { matrix, type Matrix } from '../../linalg/matrix';

export type RopeLayout = 'half' | 'interleaved';

export interface RopeParams {
  base: number;
  layout: RopeLayout;
  /** rotated dimensions per head (even, ≤ the head width) */
  dims: number;
}

/** The two columns (within a head) that rotation pair r turns. */
export function ropePair(layout: RopeLayout, dims: number, r: number): [number, number] {
  return layout === 'half' ? [r, r + dims / 2] : [2 * r, 2 * r + 1];
}

/**
 * Every head of `m` rotated: row t sits at position p = t + offset, pair r turns by the
 * angle p·θ_r with θ_r = base^(−2r/dims): (a, b) → (a cos − b sin, a sin + b cos).
 */
export function applyRope(m: Matrix, heads: number, params: RopeParams, offset: number): Matrix {
  const { base, layout, dims } = params;
  const w = m.cols / heads;
  const half = dims / 2;
  const theta = Float64Array.from({ length: half }, (_, r) => Math.pow(base, (-2 * r) / dims));
  const out = Float32Array.from(m.data);
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let t = 0; t < m.rows; t++) {
    const p = t + offset;
    for (let r = 0; r < half; r++) {
      cos[r] = Math.cos(p * theta[r]);
      sin[r] = Math.sin(p * theta[r]);
    }
    for (let h = 0; h < heads; h++) {
      const at = t * m.cols + h * w;
      for (let r = 0; r < half; r++) {
        const [ca, cb] = ropePair(layout, dims, r);
        const a = m.data[at + ca];
        const b = m.data[at + cb];
        out[at + ca] = a * cos[r] - b * sin[r];
        out[at + cb] = a * sin[r] + b * cos[r];
      }
    }
  }
  return matrix(m.rows, m.cols, out);
}

/** x + PE: row t at position p = t + offset; PE(p, 2r) = sin(p/10000^(2r/d)), PE(p, 2r+1) = cos(…), d = the row width. */
export function addSinusoidal(m: Matrix, offset: number): Matrix {
  const d = m.cols;
  const inv = Float64Array.from({ length: Math.ceil(d / 2) }, (_, r) => Math.pow(10000, (-2 * r) / d));
  const out = Float32Array.from(m.data);
  for (let t = 0; t < m.rows; t++) {
    const p = t + offset;
    for (let c = 0; c < d; c++) {
      const angle = p * inv[c >> 1];
      out[t * d + c] = m.data[t * d + c] + (c % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
    }
  }
  return matrix(m.rows, d, out);
}

/** ALiBi's geometric slopes (Press et al. 2022): m_h = 2^(−8(h+1)/H). */
export function geometricSlopes(heads: number): number[] {
  return Array.from({ length: heads }, (_, h) => Math.pow(2, (-8 * (h + 1)) / heads));
}
