/**
 * laplacian: −‖q−k‖₁ / τ. An L1 distance has no MatMul form, so this one broadcasts
 * [h, n, 1, d] − [h, 1, Tk, d]; the tile planner budgets d planes per score cell for it.
 */
import type { MetricOf, ScoreFunction } from './types';

export const laplacian: ScoreFunction<MetricOf<'laplacian'>> = {
  key: () => 'laplacian',
  scalars: (m) => ({ minus_inv_tau: -1 / m.tau }),
  build: (ctx) => {
    const b = ctx.b;
    const diff = b.op('Sub', [b.op('Unsqueeze', [ctx.q, b.ints([2])]), b.op('Unsqueeze', [ctx.k, b.ints([1])])]);
    const l1 = b.op('ReduceL1', [diff], { axes: [-1], keepdims: 0 });
    return b.op('Mul', [l1, ctx.scoreScalar('minus_inv_tau')]);
  },
  params: () => [],
};
