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

/** The named normaliser on one row. */
export function normalizeRow(normalizer: NormalizerId, scores: Row, visible: Row, place: RowPlace): Float64Array | null {
  switch (normalizer) {
    case 'softmax': return softmax(scores, visible);
    case 'kernel': return kernel(scores, visible, place);
    case 'sparsemax': return sparsemax(scores, visible);
  }
}
