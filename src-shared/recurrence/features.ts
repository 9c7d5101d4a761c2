/**
 * The per-head pieces every form of a recurrence shares (docs/semantics.md "Recurrences"):
 * a head's rows as one flat float64 block, linear attention's feature map φ, and the
 * log-decay c_t whose differences give retention's γ^(i−j) and the selective gates'
 * Π_{l=j+1..i} a_l = exp(c_i − c_j).
 */
import type { ResolvedRecurrence } from '../job/problem';
import type { Matrix } from '../linalg/matrix';

/** Rows [r0, r1) of head h of `m` (columns [h·w, (h+1)·w)), row-major float64. */
export function headBlock(m: Matrix, h: number, w: number, r0 = 0, r1 = m.rows): Float64Array {
  const out = new Float64Array((r1 - r0) * w);
  for (let i = r0; i < r1; i++) {
    const at = i * m.cols + h * w;
    for (let c = 0; c < w; c++) out[(i - r0) * w + c] = m.data[at + c];
  }
  return out;
}

/** φ's output width: favor's m, else d. */
export function featureWidth(rec: Extract<ResolvedRecurrence, { id: 'linear' }>, h: number, d: number): number {
  return rec.feature === 'favor' ? rec.omega![h].length / d : d;
}

/**
 * φ applied to n rows of width d: elu(x) + 1, max(x, 0), x, or favor's positive random
 * features exp(Ω x′ − ‖x′‖²/2)/√m with x′ = x/d^(1/4) (Ω: head h's m×d matrix).
 */
export function featureMap(rec: Extract<ResolvedRecurrence, { id: 'linear' }>, h: number, x: Float64Array, n: number, d: number): Float64Array {
  if (rec.feature !== 'favor') {
    const out = new Float64Array(x.length);
    for (let e = 0; e < x.length; e++) {
      const v = x[e];
      out[e] = rec.feature === 'elu1' ? (v > 0 ? v + 1 : Math.exp(v)) : rec.feature === 'relu' ? Math.max(v, 0) : v;
    }
    return out;
  }
  const omega = rec.omega![h];
  const m = omega.length / d;
  const scale = 1 / Math.sqrt(Math.sqrt(d));
  const out = new Float64Array(n * m);
  const xs = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let c = 0; c < d; c++) {
      xs[c] = x[i * d + c] * scale;
      norm += xs[c] * xs[c];
    }
    for (let r = 0; r < m; r++) {
      let z = 0;
      for (let c = 0; c < d; c++) z += omega[r * d + c] * xs[c];
      out[i * m + r] = Math.exp(z - norm / 2) / Math.sqrt(m);
    }
  }
  return out;
}

/**
 * c_t (t < T) for head h with A's decay factor exp(c_i − c_j): t·ln γ_h for retention,
 * Σ_{l≤t} ln a_l for the selective gates. Kept in float64, where c_i − c_j stays exact to
 * ~1e-13 even when c reaches −10⁴ at T = 16,384.
 */
export function logDecay(rec: Extract<ResolvedRecurrence, { id: 'retention' | 'selective' }>, h: number, T: number): Float64Array {
  const c = new Float64Array(T);
  if (rec.id === 'retention') {
    const lg = Math.log(rec.gammas[h]);
    for (let t = 0; t < T; t++) c[t] = t * lg;
    return c;
  }
  const a = rec.gates[h];
  let sum = 0;
  for (let t = 0; t < T; t++) {
    sum += Math.log(a[t]);
    c[t] = sum;
  }
  return c;
}

/** The factor a recurrence puts on q·k: retention's 1/√d; the others have none. */
export function decayScale(rec: ResolvedRecurrence, d: number): number {
  return rec.id === 'retention' ? 1 / Math.sqrt(d) : 1;
}

/** Linear attention's threshold: a row whose denominator is this close to 0 is empty. */
export const EMPTY_DENOMINATOR = 1e-6;
