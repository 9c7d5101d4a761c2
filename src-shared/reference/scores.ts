/**
 * One function per score function s(q, k), straight from the table in docs/semantics.md.
 * Each takes the resolved metric (its parameters), the head index (to pick the head's own
 * parameter matrix), and one query and one key of that head's widths.
 */
import type { ResolvedMetric } from '../job/problem';
import { catalogueEntry } from '../metrics/catalogue';
import { difference, dot, manhattanDistance, matVec, norm, quadraticForm, signs, squaredDistance, type Vector } from './vectors';

type Metric<Id extends ResolvedMetric['id']> = Extract<ResolvedMetric, { id: Id }>;

/** ε of the cosine denominator: keeps a zero vector at score 0 instead of NaN */
export const COSINE_EPSILON = 1e-9;

/** c · q·k */
export function dotScore(metric: Metric<'dot'>, _head: number, q: Vector, k: Vector): number {
  return metric.c * dot(q, k);
}

/** q·k / ((‖q‖+ε)(‖k‖+ε)) / τ */
export function cosineScore(metric: Metric<'cosine'>, _head: number, q: Vector, k: Vector): number {
  return dot(q, k) / ((norm(q) + COSINE_EPSILON) * (norm(k) + COSINE_EPSILON)) / metric.tau;
}

/** −‖q−k‖² / (2τ²) */
export function rbfScore(metric: Metric<'rbf'>, _head: number, q: Vector, k: Vector): number {
  return -squaredDistance(q, k) / (2 * metric.tau ** 2);
}

/** −‖q−k‖₁ / τ */
export function laplacianScore(metric: Metric<'laplacian'>, _head: number, q: Vector, k: Vector): number {
  return -manhattanDistance(q, k) / metric.tau;
}

/** −‖q−k‖₂ / τ */
export function euclideanScore(metric: Metric<'euclidean'>, _head: number, q: Vector, k: Vector): number {
  return -Math.sqrt(squaredDistance(q, k)) / metric.tau;
}

/** −(q−k)ᵀ M (q−k) / (2τ²), with the head's own M */
export function mahalanobisScore(metric: Metric<'mahalanobis'>, head: number, q: Vector, k: Vector): number {
  return -quadraticForm(metric.M[head], difference(q, k)) / (2 * metric.tau ** 2);
}

/** (a·q·k + r)^p / τ */
export function polynomialScore(metric: Metric<'polynomial'>, _head: number, q: Vector, k: Vector): number {
  return (metric.a * dot(q, k) + metric.r) ** metric.p / metric.tau;
}

/** qᵀ W k / τ, W the head's dq × dk matrix */
export function bilinearScore(metric: Metric<'bilinear'>, head: number, q: Vector, k: Vector): number {
  return dot(q, matVec(metric.W[head], q.length, k.length, k)) / metric.tau;
}

/** vᵀ tanh(Aq q + Ak k) / τ (Bahdanau), Aq: m × dq, Ak: m × dk */
export function additiveScore(metric: Metric<'additive'>, head: number, q: Vector, k: Vector): number {
  const fromQuery = matVec(metric.Aq[head], metric.m, q.length, q);
  const fromKey = matVec(metric.Ak[head], metric.m, k.length, k);
  let s = 0;
  for (let r = 0; r < metric.m; r++) s += metric.v[head][r] * Math.tanh(fromQuery[r] + fromKey[r]);
  return s / metric.tau;
}

/** uᵀ relu(W [q; k; q⊙k] + b) / τ (RankNet-style pairwise scorer), W: m × 3d */
export function ranknetScore(metric: Metric<'ranknet'>, head: number, q: Vector, k: Vector): number {
  const d = q.length;
  const x = new Float64Array(3 * d);
  for (let c = 0; c < d; c++) {
    x[c] = q[c];
    x[d + c] = k[c];
    x[2 * d + c] = q[c] * k[c];
  }
  const hidden = matVec(metric.W[head], metric.m, 3 * d, x);
  let s = 0;
  for (let r = 0; r < metric.m; r++) s += metric.u[head][r] * Math.max(hidden[r] + metric.b[head][r], 0);
  return s / metric.tau;
}

/** LeakyReLU_slope(aqᵀq + akᵀk) / τ (graph attention) */
export function gatScore(metric: Metric<'gat'>, head: number, q: Vector, k: Vector): number {
  const x = dot(metric.aq[head], q) + dot(metric.ak[head], k);
  return (x >= 0 ? x : metric.slope * x) / metric.tau;
}

/** (b − 2·hamming(sign(Rq), sign(Rk))) / (b·τ): +1/τ for the same SimHash code, −1/τ for the opposite */
export function hammingScore(metric: Metric<'hamming'>, head: number, q: Vector, k: Vector): number {
  const codeQ = signs(metric.R[head], metric.bits, q);
  const codeK = signs(metric.R[head], metric.bits, k);
  let hamming = 0;
  for (let b = 0; b < metric.bits; b++) if (codeQ[b] !== codeK[b]) hamming++;
  return (metric.bits - 2 * hamming) / (metric.bits * metric.tau);
}

/** The reference function of each score function, by id: the catalogue test finds every catalogue entry here. */
export const REFERENCE_SCORES: { readonly [Id in ResolvedMetric['id']]: (metric: Metric<Id>, head: number, q: Vector, k: Vector) => number } = {
  dot: dotScore,
  cosine: cosineScore,
  rbf: rbfScore,
  laplacian: laplacianScore,
  euclidean: euclideanScore,
  mahalanobis: mahalanobisScore,
  polynomial: polynomialScore,
  bilinear: bilinearScore,
  additive: additiveScore,
  ranknet: ranknetScore,
  gat: gatScore,
  hamming: hammingScore,
};

/** s(q, k) for any resolved metric. */
export function score(metric: ResolvedMetric, head: number, q: Vector, k: Vector): number {
  const f = REFERENCE_SCORES[metric.id] as (metric: ResolvedMetric, head: number, q: Vector, k: Vector) => number;
  return f(metric, head, q, k);
}

/**
 * Checks, before any number is computed, that the metric fits the heads: equal widths where
 * the formula needs them, and one parameter array of the right size per head. The messages
 * name the metric, the head and the sizes, so a resolver bug is found here and not as NaN.
 */
export function checkMetricShapes(metric: ResolvedMetric, heads: number, dq: number, dk: number): void {
  if (!catalogueEntry('score', metric.id)?.allowsUnequalWidths && dq !== dk) {
    throw new Error(`score function '${metric.id}' compares queries and keys of the same width, got ${dq} and ${dk} per head`);
  }
  const perHead = (name: string, arrays: Float64Array[], length: number, shape: string): void => {
    if (arrays.length < heads) throw new Error(`${metric.id}: ${name} has ${arrays.length} heads, expected ${heads}`);
    for (let h = 0; h < heads; h++) {
      if (arrays[h].length !== length) {
        throw new Error(`${metric.id}: ${name} of head ${h} has ${arrays[h].length} values, expected ${shape} = ${length}`);
      }
    }
  };
  switch (metric.id) {
    case 'mahalanobis':
      return perHead('M', metric.M, dq * dq, `${dq}×${dq}`);
    case 'bilinear':
      return perHead('W', metric.W, dq * dk, `${dq}×${dk}`);
    case 'additive':
      perHead('Aq', metric.Aq, metric.m * dq, `${metric.m}×${dq}`);
      perHead('Ak', metric.Ak, metric.m * dk, `${metric.m}×${dk}`);
      return perHead('v', metric.v, metric.m, `${metric.m}`);
    case 'ranknet':
      perHead('W', metric.W, metric.m * 3 * dq, `${metric.m}×${3 * dq}`);
      perHead('b', metric.b, metric.m, `${metric.m}`);
      return perHead('u', metric.u, metric.m, `${metric.m}`);
    case 'gat':
      perHead('aq', metric.aq, dq, `${dq}`);
      return perHead('ak', metric.ak, dk, `${dk}`);
    case 'hamming':
      return perHead('R', metric.R, metric.bits * dq, `${metric.bits}×${dq}`);
    default:
      return;
  }
}
