/** Small builders for reference tests: problems from plain number arrays. */
import type { AttentionProblem, NormalizerId, NormalizerParams, OverviewRequest, ResolvedMask, ResolvedMetric } from '../../src-shared/job/problem';
import { matrix, type Matrix } from '../../src-shared/linalg/matrix';

/** A float32 matrix from rows of numbers (the lab's input precision). */
export function mat(rows: number[][]): Matrix {
  const cols = rows.length > 0 ? rows[0].length : 0;
  return matrix(rows.length, cols, Float32Array.from(rows.flat()));
}

export interface ProblemParts {
  q: number[][] | Matrix;
  /** defaults to q (self-attention) */
  k?: number[][] | Matrix;
  /** defaults to k */
  v?: number[][] | Matrix;
  heads?: number;
  metric?: ResolvedMetric;
  masks?: ResolvedMask[];
  normalizer?: NormalizerId;
  normalizerParams?: NormalizerParams;
  topk?: number;
  overview?: OverviewRequest;
}

const asMatrix = (m: number[][] | Matrix): Matrix => (Array.isArray(m) ? mat(m) : m);

/** An AttentionProblem with unscaled dot, no mask, softmax, and no top-k unless asked. */
export function problem(parts: ProblemParts): AttentionProblem {
  const q = asMatrix(parts.q);
  const k = parts.k ? asMatrix(parts.k) : q;
  const v = parts.v ? asMatrix(parts.v) : k;
  return {
    heads: parts.heads ?? 1,
    q,
    k,
    v,
    metric: parts.metric ?? { id: 'dot', c: 1 },
    masks: parts.masks ?? [],
    normalizer: parts.normalizer ?? 'softmax',
    normalizerParams: parts.normalizerParams,
    outputs: ['scores', 'weights', 'output', 'entropy', 'argmax', 'topk', 'overview'],
    topk: parts.topk ?? 0,
    overview: parts.overview,
    tokens: { queries: null, keys: null },
  };
}

/** Row i of head h of an H×T×n head-major array. */
export function rowOf(a: ArrayLike<number>, h: number, i: number, T: number, n: number): number[] {
  return Array.from({ length: n }, (_, j) => a[(h * T + i) * n + j]);
}

/** Tq×Tk 0/1 from a predicate. */
export function allowedWhere(Tq: number, Tk: number, visible: (i: number, j: number) => boolean): Uint8Array {
  const out = new Uint8Array(Tq * Tk);
  for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) out[i * Tk + j] = visible(i, j) ? 1 : 0;
  return out;
}

/** The graph mask's allowed matrix as docs/semantics.md defines it (undirected by default, self-loops by default). */
export function graphAllowed(T: number, edges: [number, number][], directed = false, selfLoops = true): Uint8Array {
  const out = new Uint8Array(T * T);
  for (const [a, b] of edges) {
    out[a * T + b] = 1;
    if (!directed) out[b * T + a] = 1;
  }
  if (selfLoops) for (let a = 0; a < T; a++) out[a * T + a] = 1;
  return out;
}

/** The sum of a list. */
export const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((s, x) => s + x, 0);
