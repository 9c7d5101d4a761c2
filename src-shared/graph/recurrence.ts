/**
 * The graph of a recurrence whose implicit matrix is elementwise in (i, j) — linear
 * attention, retention, selective gates (docs/semantics.md "Recurrences"): per tile,
 * A = f(q)·f(k)ᵀ ⊙ D on the causal pairs, D_ij = exp(c_i − c_j), and the per-row numbers
 * the recurrence semantics define (entropy of |A|/Σ|A|, argmax of |A|, top-k by |A|). The
 * delta rule's A is not elementwise (its Tβ couples every earlier step): it stays on the
 * TypeScript row form (src-shared/recurrence).
 *
 * The decay is fed split around the tile's first row, rowDecay_i = c_i − c_{r0} and
 * colDecay_j = c_{r0} − c_j (both computed in float64, rounded once), so the float32
 * exponent is c_i − c_j to within the rounding of two numbers of the tile's own scale;
 * a masked pair's exp may overflow and is discarded by Where.
 */
import type { AttentionProblem, ResolvedRecurrence } from '../job/problem';
import type { GraphContext } from './context';
import { FLT_MIN, plainEntropy, type Normalized } from './normalizers';
import { maskedScores } from './masks';
import type { FeedTensor, Tile } from './feeds';
import { keyRange } from './keys';
import { decayScale, EMPTY_DENOMINATOR, logDecay } from '../recurrence/features';

/**
 * A float32 row of A counts as a distribution when it is ≥ 0 and sums to 1 within this (a sum
 * of thousands of float32 weights drifts by ~1e-5; the float64 forms use 1e-6).
 */
export const GRAPH_DISTRIBUTION_TOLERANCE = 1e-4;

/** Recurrences the graph computes (the rest run as TypeScript rows). */
export function graphRecurrence(problem: AttentionProblem): Exclude<ResolvedRecurrence, { id: 'delta' }> | null {
  const r = problem.recurrence;
  return r && r.id !== 'delta' ? r : null;
}

/** What of the recurrence the graph bakes in. */
export function recurrenceKey(rec: Exclude<ResolvedRecurrence, { id: 'delta' }>): string {
  return rec.id === 'linear' ? `linear(${rec.feature},${rec.normalize ? 'norm' : 'raw'})` : 'decayed';
}

/** φ of [h, rows, d] in the graph (favor: Ω fed as [h, m, d]). */
function feature(ctx: GraphContext, rec: Extract<ResolvedRecurrence, { id: 'linear' }>, x: string): string {
  const b = ctx.b;
  switch (rec.feature) {
    case 'elu1':
      return b.op('Add', [b.op('Elu', [x], { alpha: { f: 1 } }), b.scalar(1)]);
    case 'relu':
      return b.op('Relu', [x]);
    case 'identity':
      return x;
    case 'favor': {
      const omegaT = ctx.once('omegaT', () => b.op('Transpose', [b.input('omega', 'float32', ['h', 'm', 'd'])], { perm: [0, 2, 1] }));
      const xs = b.op('Mul', [x, b.input('r_xscale', 'float32', [])]);
      const half = b.op('Mul', [b.op('ReduceSum', [b.op('Mul', [xs, xs]), b.ints([-1])], { keepdims: 1 }), b.scalar(0.5)]);
      return b.op('Mul', [b.op('Exp', [b.op('Sub', [b.op('MatMul', [xs, omegaT]), half])]), b.input('r_mscale', 'float32', [])]);
    }
  }
}

/**
 * A of the tile's causal pairs (0 elsewhere) and its per-row numbers, as a Normalized that
 * emitOutputs writes like any normaliser's: `masked` is A with blocked pairs at −∞ (the
 * scores output), `rankBy` = |A| orders the top-k, `nonEmpty` marks linear rows whose
 * denominator is not ~0, `extra` carries each row's not-a-distribution flag.
 */
export function buildRecurrence(ctx: GraphContext, rec: Exclude<ResolvedRecurrence, { id: 'delta' }>, visible: string): Normalized {
  const b = ctx.b;
  let A: string;
  let nonEmpty: string | null = null;
  if (rec.id === 'linear') {
    const num = b.op('MatMul', [feature(ctx, rec, ctx.q), b.op('Transpose', [feature(ctx, rec, ctx.k)], { perm: [0, 2, 1] })]);
    A = b.op('Where', [visible, num, b.scalar(0)]);
    if (rec.normalize) {
      const den = b.op('ReduceSum', [A, b.ints([-1])], { keepdims: 1 });
      nonEmpty = b.op('Not', [b.op('Less', [b.op('Abs', [den]), b.scalar(EMPTY_DENOMINATOR)])]);
      A = b.op('Div', [A, b.op('Where', [nonEmpty, den, b.scalar(1)])]);
    }
  } else {
    const s = b.op('Mul', [b.op('MatMul', [ctx.q, ctx.kT()]), b.input('r_scale', 'float32', [])]);
    const decay = b.op('Exp', [b.op('Add', [b.input('rowDecay', 'float32', ['h', 'n', 1]), b.input('colDecay', 'float32', ['h', 1, 'tk'])])]);
    A = b.op('Where', [visible, b.op('Mul', [s, decay]), b.scalar(0)]);
  }
  const absA = b.op('Abs', [A]);
  const total = b.op('ReduceSum', [absA, b.ints([-1])], { keepdims: 1 });
  const p = b.op('Div', [absA, b.op('Max', [total, b.scalar(FLT_MIN)])]);
  const argmax = b.op('ArgMax', [absA], { axis: -1, keepdims: 1 });
  const negative = b.op('Less', [b.op('ReduceMin', [A], { axes: [-1], keepdims: 1 }), b.scalar(0)]);
  const offOne = b.op('Greater', [b.op('Abs', [b.op('Sub', [b.op('ReduceSum', [A, b.ints([-1])], { keepdims: 1 }), b.scalar(1)])]), b.scalar(GRAPH_DISTRIBUTION_TOLERANCE)]);
  return {
    weights: A,
    entropy: plainEntropy(ctx, p),
    argmax,
    maxWeight: b.op('GatherElements', [A, argmax], { axis: -1 }),
    nonEmpty,
    masked: maskedScores(ctx, A, visible),
    rankBy: absA,
    extra: [{ name: 'notDistribution', value: b.cast(b.op('Or', [negative, offOne]), 'int32'), type: 'int32' }],
  };
}

/** The recurrence's feeds for one tile: scalars, favor's Ω, the split decay. */
export function recurrenceFeeds(problem: AttentionProblem, tile: Tile): Record<string, FeedTensor> {
  const rec = graphRecurrence(problem);
  if (!rec) return {};
  const d = problem.q.cols / problem.heads;
  const scalar = (x: number): FeedTensor => ({ type: 'float32', data: Float32Array.of(x), dims: [] });
  const nh = tile.h1 - tile.h0;
  if (rec.id === 'linear') {
    if (rec.feature !== 'favor') return {};
    const m = rec.omega![0].length / d;
    const omega = new Float32Array(nh * m * d);
    for (let h = tile.h0; h < tile.h1; h++) omega.set(rec.omega![h], (h - tile.h0) * m * d);
    return { omega: { type: 'float32', data: omega, dims: [nh, m, d] }, r_xscale: scalar(d ** -0.25), r_mscale: scalar(1 / Math.sqrt(m)) };
  }
  const { k0, k1 } = keyRange(problem, tile);
  const n = tile.r1 - tile.r0;
  const rows = new Float32Array(nh * n);
  const cols = new Float32Array(nh * (k1 - k0));
  for (let h = tile.h0; h < tile.h1; h++) {
    const c = logDecay(rec, h, Math.max(tile.r1, k1));
    const ref = c[tile.r0];
    for (let i = 0; i < n; i++) rows[(h - tile.h0) * n + i] = c[tile.r0 + i] - ref;
    for (let j = k0; j < k1; j++) cols[(h - tile.h0) * (k1 - k0) + j - k0] = ref - c[j];
  }
  return {
    r_scale: scalar(decayScale(rec, d)),
    rowDecay: { type: 'float32', data: rows, dims: [nh, n, 1] },
    colDecay: { type: 'float32', data: cols, dims: [nh, 1, k1 - k0] },
  };
}
