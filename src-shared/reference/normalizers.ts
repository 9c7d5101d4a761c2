/**
 * Scores → weights, one row at a time, on the visible keys only. Each normaliser returns the
 * row's weights (blocked keys exactly 0), or null when the row has no distribution — no
 * visible key, or (kernel) visible scores that sum to 0 — which the caller reports as an
 * empty row. Returning null instead of dividing by zero is how no NaN ever appears.
 */
import type { NormalizerId } from '../job/problem';

export type Row = ArrayLike<number>;

/** Where a row sits, for error messages. */
export interface RowPlace {
  head: number;
  row: number;
}

/** w_j = exp(s_j − m) / Σ_visible exp(s_j − m), m the visible row maximum. */
export function softmax(scores: Row, visible: Row): Float64Array | null {
  let m = -Infinity;
  for (let j = 0; j < scores.length; j++) if (visible[j] && scores[j] > m) m = scores[j];
  if (m === -Infinity) return null;
  const w = new Float64Array(scores.length);
  let sum = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!visible[j]) continue;
    w[j] = Math.exp(scores[j] - m);
    sum += w[j];
  }
  for (let j = 0; j < w.length; j++) w[j] /= sum;
  return w;
}

/** Nadaraya–Watson: w_j = s_j / Σ_visible s. A visible negative score is an error. */
export function kernel(scores: Row, visible: Row, place: RowPlace): Float64Array | null {
  let sum = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!visible[j]) continue;
    if (scores[j] < 0) {
      throw new Error(
        `the kernel normaliser needs non-negative scores, but head ${place.head}, row ${place.row}, ` +
          `column ${j} has score ${scores[j]} (use a non-negative score such as a polynomial with even p, or softmax)`,
      );
    }
    sum += scores[j];
  }
  if (!(sum > 0)) return null;
  const w = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) if (visible[j]) w[j] = scores[j] / sum;
  return w;
}

/**
 * Sparsemax (Martins & Astudillo 2016): the Euclidean projection of the visible scores onto
 * the simplex, w_j = max(s_j − θ, 0). With z the visible scores sorted descending, the
 * support size is the largest k with 1 + k·z_k > Σ_{r≤k} z_r, and θ = (Σ_{r≤k} z_r − 1) / k.
 */
export function sparsemax(scores: Row, visible: Row): Float64Array | null {
  const z: number[] = [];
  for (let j = 0; j < scores.length; j++) if (visible[j]) z.push(scores[j]);
  if (z.length === 0) return null;
  z.sort((a, b) => b - a);
  let cumulative = 0;
  let support = 0;
  let supportSum = 0;
  for (let r = 1; r <= z.length; r++) {
    cumulative += z[r - 1];
    if (1 + r * z[r - 1] > cumulative) {
      support = r;
      supportSum = cumulative;
    }
  }
  const theta = (supportSum - 1) / support;
  const w = new Float64Array(scores.length);
  for (let j = 0; j < scores.length; j++) if (visible[j]) w[j] = Math.max(scores[j] - theta, 0);
  return w;
}

/**
 * Rank: w_j ∝ exp(−r_j/τ) over the visible keys, r_j the 0-based rank of s_j among them
 * (descending; equal scores rank the lower index first). Only the order of the scores is read.
 */
export function rank(scores: Row, visible: Row, tau: number): Float64Array | null {
  const order: number[] = [];
  for (let j = 0; j < scores.length; j++) if (visible[j]) order.push(j);
  if (order.length === 0) return null;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  const w = new Float64Array(scores.length);
  let sum = 0;
  order.forEach((j, r) => {
    w[j] = Math.exp(-r / tau);
    sum += w[j];
  });
  for (let j = 0; j < w.length; j++) w[j] /= sum;
  return w;
}

/** Sinkhorn's weights of one head, and how far its columns end from Tq/Tk. */
export interface SinkhornResult {
  /** Tq×Tk; a row with no visible key (or whose entries all underflow) is null */
  rows: (Float64Array | null)[];
  /** max over columns of |Σ_i w_ij − Tq/Tk| after the last round */
  deviation: number;
}

/**
 * Sinkhorn (Sinkformer, Sander et al. 2022) on a whole Tq×Tk head: P = exp(s − m) on the
 * visible pairs (m the largest visible score of the head: one shift for all rows), then
 * `iterations` rounds of column normalisation followed by row normalisation. Kept as
 * L = log P (each step subtracts a column's or row's log-sum-exp), the same numbers without
 * exp's underflow: a row ~750 below the head's maximum would otherwise become 0 even in
 * float64. A column or row with nothing visible stays at −∞ (weight 0).
 */
export function sinkhorn(scores: Row, visible: Row, Tq: number, Tk: number, iterations: number): SinkhornResult {
  let m = -Infinity;
  for (let x = 0; x < Tq * Tk; x++) if (visible[x] && scores[x] > m) m = scores[x];
  const L = new Float64Array(Tq * Tk).fill(-Infinity);
  for (let x = 0; x < Tq * Tk; x++) if (visible[x]) L[x] = scores[x] - m;
  // subtract log Σ exp over the n entries at start, start + step, …
  const normalise = (start: number, step: number, n: number) => {
    let max = -Infinity;
    for (let t = 0; t < n; t++) max = Math.max(max, L[start + t * step]);
    if (max === -Infinity) return;
    let sum = 0;
    for (let t = 0; t < n; t++) sum += Math.exp(L[start + t * step] - max);
    const lse = max + Math.log(sum);
    for (let t = 0; t < n; t++) L[start + t * step] -= lse;
  };
  for (let t = 0; t < iterations; t++) {
    for (let j = 0; j < Tk; j++) normalise(j, Tk, Tq);
    for (let i = 0; i < Tq; i++) normalise(i * Tk, 1, Tk);
  }
  const P = L.map(Math.exp);
  const columns = new Float64Array(Tk);
  for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) columns[j] += P[i * Tk + j];
  let deviation = 0;
  for (let j = 0; j < Tk; j++) deviation = Math.max(deviation, Math.abs(columns[j] - Tq / Tk));
  const rows = Array.from({ length: Tq }, (_, i) => {
    const w = P.slice(i * Tk, (i + 1) * Tk);
    return w.some((x) => x > 0) ? w : null;
  });
  return { rows, deviation };
}

/** The named row-wise normaliser on one row (sinkhorn works on whole heads: `sinkhorn`). */
export function normalizeRow(normalizer: NormalizerId, scores: Row, visible: Row, place: RowPlace, tau = 1): Float64Array | null {
  switch (normalizer) {
    case 'softmax':
      return softmax(scores, visible);
    case 'kernel':
      return kernel(scores, visible, place);
    case 'sparsemax':
      return sparsemax(scores, visible);
    case 'rank':
      return rank(scores, visible, tau);
    case 'sinkhorn':
      throw new Error('sinkhorn normalises whole heads, not rows: call sinkhorn()');
  }
}
