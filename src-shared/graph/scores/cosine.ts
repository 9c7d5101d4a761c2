/**
 * cosine: q·k / ((‖q‖+ε)(‖k‖+ε)) / τ. Rows of q and k are normalised first (the [n, d] and
 * [Tk, d] sides), with 1/τ (fed: inv_tau) folded into q, so the [n, Tk] product is the score
 * as it stands.
 */
import type { MetricOf, ScoreFunction } from './types';
import { transposed } from './common';
import type { GraphContext } from '../context';

/** the ε of docs/semantics.md (the reference's COSINE_EPSILON) */
const EPSILON = 1e-9;

/** x's rows over (‖x‖ + ε), times `scale` (a scalar value) */
function unit(ctx: GraphContext, x: string, scale: string): string {
  const b = ctx.b;
  const norm = b.op('ReduceL2', [x], { axes: [-1], keepdims: 1 });
  const denom = b.op('Add', [norm, b.scalar(EPSILON)]);
  return b.op('Mul', [x, b.op('Div', [scale, denom])]);
}

export const cosine: ScoreFunction<MetricOf<'cosine'>> = {
  key: () => 'cosine',
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx) => ctx.b.op('MatMul', [unit(ctx, ctx.q, ctx.scoreScalar('inv_tau')), transposed(ctx, unit(ctx, ctx.k, ctx.b.scalar(1)))]),
  params: () => [],
};
