/**
 * Scores → weights on the visible pairs, plus the per-row numbers every run reports
 * (entropy, argmax, max weight). Rows with nothing visible may hold garbage here (softmax
 * of an all −∞ row is NaN); `nonEmpty` says which rows are real and outputs.ts selects
 * with Where, which never lets the garbage through. Where `nonEmpty` is null no row can be
 * empty and the clean-up is skipped.
 *
 * All per-row values are [h, n, 1] (or broadcastable to it).
 */
import { normalizerParam, type NormalizerId, type NormalizerParams } from '../job/problem';
import type { GraphContext } from './context';
import type { Elem } from './builder';
import { maskedScores } from './masks';

export interface Normalized {
  weights: string;
  entropy: string;
  /** int64 [h, n, 1], the first maximum */
  argmax: string;
  maxWeight: string;
  /** bool, broadcastable to [h, n, 1]; null when no row can be empty */
  nonEmpty: string | null;
  /** the scores with blocked pairs at −∞, when this normaliser built them (reused as the scores output) */
  masked: string | null;
  /** extra per-row outputs [h, n, 1] (kernel: the first negative visible score, for the error) */
  extra: { name: string; value: string; type: Elem }[];
  /** sinkhorn: the final column sums [h, Tk] (the tile holds every row of its heads) */
  columnSums?: string;
  /** what orders the top-k output when not the weights themselves (a recurrence's |A|) */
  rankBy?: string;
}

export interface NormalizerInput {
  /** unmasked scores [h, n, Tk] (finite) */
  scores: string;
  /** bool visibility or null (all visible) */
  visible: string | null;
  /** float32 count of visible keys, broadcastable to [h, n, 1] */
  visibleCount: string;
  /** statically known: no row can be empty */
  neverEmpty: boolean;
}

/** the smallest normal float32: ln of it is finite, and 0·ln(it) = 0 */
export const FLT_MIN = 1.1754943508222875e-38;

/** Σ_j a_ij·b_ij per row as [h, n, 1]: Mul + ReduceSum (measured: a batched [1,Tk]×[Tk,1] MatMul is no faster). */
function rowSum(ctx: GraphContext, a: string, b: string): string {
  return ctx.b.op('ReduceSum', [ctx.b.op('Mul', [a, b]), ctx.b.ints([-1])], { keepdims: 1 });
}

/** −Σ w ln w with 0·ln 0 = 0, by clamping the log's argument instead of selecting. */
export function plainEntropy(ctx: GraphContext, w: string): string {
  const b = ctx.b;
  return b.op('Neg', [rowSum(ctx, w, b.op('Log', [b.op('Max', [w, b.scalar(FLT_MIN)])]))]);
}

function hasVisible(ctx: GraphContext, x: NormalizerInput): string | null {
  return x.neverEmpty ? null : ctx.b.op('Greater', [x.visibleCount, ctx.b.scalar(0)]);
}

/**
 * Softmax via the fused Softmax op (row max subtracted inside). Entropy without a log per
 * element: with m the row max and Z = Σ exp(s − m), max weight = 1/Z, so
 * H = ln Z − Σ w (s − m) = m − ln(maxWeight) − Σ w·s. The sum runs over the unmasked
 * (finite) scores: blocked weights are exactly 0, so they add 0 and never 0·∞.
 */
function softmax(ctx: GraphContext, x: NormalizerInput): Normalized {
  const b = ctx.b;
  const masked = maskedScores(ctx, x.scores, x.visible);
  const weights = b.op('Softmax', [masked], { axis: -1 });
  const argmax = b.op('ArgMax', [masked], { axis: -1, keepdims: 1 });
  const maxWeight = b.op('GatherElements', [weights, argmax], { axis: -1 });
  const rowMax = b.op('GatherElements', [x.scores, argmax], { axis: -1 });
  const entropy = b.op('Sub', [b.op('Sub', [rowMax, b.op('Log', [maxWeight])]), rowSum(ctx, weights, x.scores)]);
  return { weights, entropy, argmax, maxWeight, nonEmpty: hasVisible(ctx, x), masked, extra: [] };
}

/**
 * Nadaraya–Watson: w = s / Σ_visible s. A row whose visible scores sum to 0 (or less) is
 * empty. For the caller's error, each row reports its first visible negative score's column
 * (−1 if none) and that score.
 */
function kernel(ctx: GraphContext, x: NormalizerInput): Normalized {
  const b = ctx.b;
  const kept = x.visible === null ? x.scores : b.op('Where', [x.visible, x.scores, b.scalar(0)]);
  const sum = b.op('ReduceSum', [kept, b.ints([-1])], { keepdims: 1 });
  const nonEmpty = b.op('Greater', [sum, b.scalar(0)]);
  const weights = b.op('Div', [kept, b.op('Where', [nonEmpty, sum, b.scalar(1)])]);
  const argmax = b.op('ArgMax', [weights], { axis: -1, keepdims: 1 });
  const maxWeight = b.op('GatherElements', [weights, argmax], { axis: -1 });
  const negative = b.cast(b.op('Less', [kept, b.scalar(0)]), 'float32');
  const firstNeg = b.op('ArgMax', [negative], { axis: -1, keepdims: 1 });
  const hasNeg = b.op('Greater', [b.op('GatherElements', [negative, firstNeg], { axis: -1 }), b.scalar(0)]);
  const negCol = b.cast(b.op('Where', [hasNeg, firstNeg, b.scalar(-1, 'int64')]), 'int32');
  const negScore = b.op('GatherElements', [x.scores, firstNeg], { axis: -1 });
  return {
    weights,
    entropy: plainEntropy(ctx, weights),
    argmax,
    maxWeight,
    nonEmpty,
    masked: null,
    extra: [
      { name: 'negCol', value: negCol, type: 'int32' },
      { name: 'negScore', value: negScore, type: 'float32' },
    ],
  };
}

/**
 * Sparsemax (Martins & Astudillo): sort the visible scores (TopK over the whole row, blocked
 * = −∞ sort last), support = largest k with 1 + k·z_k > Σ_{r≤k} z_r (a prefix, so its size
 * is the count of true), θ = (Σ_{r≤k} z_r − 1)/k, w = max(z − θ, 0): exact zeros. Scores are
 * shifted by the row max first, which keeps the cumulative sums small. An empty row gets
 * θ = +∞, so its weights are max(−∞, 0) = 0 with no NaN on the way.
 */
function sparsemax(ctx: GraphContext, x: NormalizerInput): Normalized {
  const b = ctx.b;
  const masked = maskedScores(ctx, x.scores, x.visible);
  const argmax = b.op('ArgMax', [masked], { axis: -1, keepdims: 1 });
  const z = b.op('Sub', [masked, b.op('GatherElements', [x.scores, argmax], { axis: -1 })]);
  const [sorted] = b.opN('TopK', [z, ctx.keys1()], 2, { axis: -1, largest: 1, sorted: 1 });
  const cumulative = b.op('CumSum', [sorted, b.scalar(-1, 'int32')]);
  const ranks = b.cast(b.op('Range', [b.scalar(1, 'int64'), b.op('Add', [ctx.keys(), b.scalar(1, 'int64')]), b.scalar(1, 'int64')]), 'float32');
  const inSupport = b.op('Greater', [b.op('Add', [b.op('Mul', [ranks, sorted]), b.scalar(1)]), cumulative]);
  const support = b.op('ReduceSum', [b.cast(inSupport, 'float32'), b.ints([-1])], { keepdims: 1 });
  const size = b.op('Max', [support, b.scalar(1)]);
  const supportSum = b.op('GatherElements', [cumulative, b.cast(b.op('Sub', [size, b.scalar(1)]), 'int64')], { axis: -1 });
  const theta = b.op('Div', [b.op('Sub', [supportSum, b.scalar(1)]), size]);
  const safeTheta = b.op('Where', [b.op('Greater', [support, b.scalar(0)]), theta, b.scalar(Infinity)]);
  const weights = b.op('Relu', [b.op('Sub', [z, safeTheta])]);
  const maxWeight = b.op('GatherElements', [weights, argmax], { axis: -1 });
  return { weights, entropy: plainEntropy(ctx, weights), argmax, maxWeight, nonEmpty: hasVisible(ctx, x), masked, extra: [] };
}

/**
 * Rank: w ∝ exp(−r/τ), r the 0-based rank of the score among the row's visible keys. TopK over
 * the whole row gives the order (descending, ties to the lower index; blocked = −∞ sort
 * last); a second TopK, ascending over that order's key indices, gives the inverse
 * permutation — each key's rank — without a scatter (which the WebGPU build may lack).
 * Only the order is read. Blocked keys are set to 0 before the sum; an empty row sums to 0
 * and is cleaned by `nonEmpty`.
 */
function rank(ctx: GraphContext, x: NormalizerInput, tau: number): Normalized {
  const b = ctx.b;
  const masked = maskedScores(ctx, x.scores, x.visible);
  const [, order] = b.opN('TopK', [masked, ctx.keys1()], 2, { axis: -1, largest: 1, sorted: 1 });
  const [, ranks] = b.opN('TopK', [b.cast(order, 'float32'), ctx.keys1()], 2, { axis: -1, largest: 0, sorted: 1 });
  const decayed = b.op('Exp', [b.op('Mul', [b.cast(ranks, 'float32'), b.scalar(-1 / tau)])]);
  const kept = x.visible === null ? decayed : b.op('Where', [x.visible, decayed, b.scalar(0)]);
  const sum = b.op('ReduceSum', [kept, b.ints([-1])], { keepdims: 1 });
  const weights = b.op('Div', [kept, b.op('Max', [sum, b.scalar(FLT_MIN)])]);
  // rank 0 is the first maximum, as ArgMax picks it
  const argmax = b.op('ArgMax', [masked], { axis: -1, keepdims: 1 });
  const maxWeight = b.op('GatherElements', [weights, argmax], { axis: -1 });
  return { weights, entropy: plainEntropy(ctx, weights), argmax, maxWeight, nonEmpty: hasVisible(ctx, x), masked, extra: [] };
}

/** The most negative float32: a clamp that keeps −∞ − (−∞) from turning into NaN. */
const FLT_LOWEST = -3.4028234663852886e38;

/**
 * log Σ exp(x) along `axis` (keepdims), shifted by the axis max. A slice that is all −∞
 * gives FLT_LOWEST (so x minus it stays −∞), never NaN.
 */
function logSumExp(ctx: GraphContext, x: string, axis: number): string {
  const b = ctx.b;
  const max = b.op('Max', [b.op('ReduceMax', [x], { axes: [axis], keepdims: 1 }), b.scalar(FLT_LOWEST)]);
  const sum = b.op('ReduceSum', [b.op('Exp', [b.op('Sub', [x, max])]), b.ints([axis])], { keepdims: 1 });
  return b.op('Max', [b.op('Add', [max, b.op('Log', [sum])]), b.scalar(FLT_LOWEST)]);
}

/**
 * Sinkhorn over whole heads (the planner gives this graph every row of its heads):
 * docs/semantics.md's P = exp(s − m), then `iterations` unrolled rounds of column then row
 * normalisation — computed on L = log P (subtracting each column's, then each row's
 * log-sum-exp), which is the same arithmetic without its float32 underflow: with one shift
 * for the whole head, a row whose scores sit ~90 below the head's maximum would be 0 after
 * exp in float32 (and an empty row), while the float64 reference keeps it. Blocked pairs
 * stay at −∞ (weight 0); w = exp(L) at the end.
 */
function sinkhorn(ctx: GraphContext, x: NormalizerInput, iterations: number): Normalized {
  const b = ctx.b;
  const masked = maskedScores(ctx, x.scores, x.visible);
  let L = masked;
  for (let t = 0; t < iterations; t++) {
    L = b.op('Sub', [L, logSumExp(ctx, L, 1)]);
    L = b.op('Sub', [L, logSumExp(ctx, L, 2)]);
  }
  const P = b.op('Exp', [L]);
  const argmax = b.op('ArgMax', [P], { axis: -1, keepdims: 1 });
  const nonEmpty = b.op('Greater', [b.op('ReduceSum', [P, b.ints([-1])], { keepdims: 1 }), b.scalar(0)]);
  return {
    weights: P,
    entropy: plainEntropy(ctx, P),
    argmax,
    maxWeight: b.op('GatherElements', [P, argmax], { axis: -1 }),
    nonEmpty,
    masked,
    extra: [],
    columnSums: b.op('ReduceSum', [P, b.ints([1])], { keepdims: 0 }),
  };
}

export function normalize(ctx: GraphContext, problem: { normalizer: NormalizerId; normalizerParams?: NormalizerParams }, x: NormalizerInput): Normalized {
  switch (problem.normalizer) {
    case 'softmax':
      return softmax(ctx, x);
    case 'kernel':
      return kernel(ctx, x);
    case 'sparsemax':
      return sparsemax(ctx, x);
    case 'rank':
      return rank(ctx, x, normalizerParam(problem, 'tau'));
    case 'sinkhorn':
      return sinkhorn(ctx, x, normalizerParam(problem, 'iterations'));
  }
}

/** What of the normaliser the graph bakes in (its id, and rank's τ, sinkhorn's iterations). */
export function normalizerKey(problem: { normalizer: NormalizerId; normalizerParams?: NormalizerParams }): string {
  switch (problem.normalizer) {
    case 'rank':
      return `rank(${normalizerParam(problem, 'tau')})`;
    case 'sinkhorn':
      return `sinkhorn(${normalizerParam(problem, 'iterations')})`;
    default:
      return problem.normalizer;
  }
}
