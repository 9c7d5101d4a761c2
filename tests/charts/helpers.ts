/** Results for chart and export tests: hand-built, or the float64 reference rounded to float32. */
import type { AttentionResult, ResolvedMask, ResolvedMetric } from '../../src-shared/job/problem';
import { referenceAttention } from '../../src-shared/reference';
import { problem } from '../reference/helpers';
import type { RunView } from '../../src-shared/charts/heatmap-input';
import { resultOf } from '../renderer/fake-lab-api';

/** The reference's float64 result as the engine's float32 AttentionResult. */
export function referenceResult(parts: Parameters<typeof problem>[0]): AttentionResult {
  const r = referenceAttention(problem(parts));
  const f = (a: Float64Array) => Float32Array.from(a);
  return {
    heads: r.heads,
    Tq: r.Tq,
    Tk: r.Tk,
    dv: r.dv,
    scores: f(r.scores),
    weights: f(r.weights),
    output: f(r.output),
    entropy: f(r.entropy),
    normEntropy: f(r.normEntropy),
    effective: f(r.effective),
    visible: r.visible,
    argmax: r.argmax,
    maxWeight: f(r.maxWeight),
    emptyRows: r.emptyRows,
    meanEntropy: r.meanEntropy,
    maxEntropy: r.maxEntropy,
  };
}

/** "the cat sat on the mat": six 3-D embeddings, cosine τ = 0.5, causal. */
export const SENTENCE = ['the', 'cat', 'sat', 'on', 'the', 'mat'];
export const SENTENCE_VECTORS = [
  [1, 0, 0.5],
  [0.2, 1, 0],
  [0.1, 0.3, 1],
  [1, 1, 0],
  [1, 0, 0.4],
  [0.3, 0.9, 0.1],
];

export function sentenceResult(masks: ResolvedMask[] = [{ id: 'causal', offset: 0 }], metric: ResolvedMetric = { id: 'cosine', tau: 0.5 }): AttentionResult {
  return referenceResult({ q: SENTENCE_VECTORS, metric, masks });
}

/** A deterministic pseudo-random T×d matrix in [−0.5, 0.5). */
export function randomRows(T: number, d: number, seed = 7): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  return Array.from({ length: T }, () => Array.from({ length: d }, next));
}

/** A result of T tokens, H heads, dot product with scale c (sharp enough to show structure). */
export function randomResult(T: number, opts: { heads?: number; masks?: ResolvedMask[]; d?: number; c?: number; Tq?: number } = {}): AttentionResult {
  const heads = opts.heads ?? 1;
  const X = randomRows(T, (opts.d ?? 4) * heads);
  const Tq = opts.Tq ?? T;
  return referenceResult({ q: X.slice(T - Tq), k: X, heads, metric: { id: 'dot', c: opts.c ?? 3 }, masks: opts.masks ?? [] });
}

export const tokensOf = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A T = 2048 run that kept only the engine's 512 × 512 overview (blocks of 4 × 4 tokens), as the app asks for it. */
export function longRun(T = 2048, side = 512): RunView {
  const data = Float32Array.from({ length: side * side }, (_, k) => ((k * 7919) % 1000) / 1e5);
  const result = { ...resultOf([[1]]), Tq: T, Tk: T, weights: undefined, scores: undefined, overview: { rows: side, cols: side, pool: 'mean' as const, data } };
  return { result, tokens: { queries: tokensOf(T, 'q'), keys: tokensOf(T, 'k') } };
}
