/**
 * ranknet: uᵀ relu(W [q; k; q⊙k] + b) / τ, a pairwise scoring network as in learning to
 * rank. W (m × 3d) is fed whole and split into its q, k and q⊙k blocks; the q⊙k block is
 * the one term that is not a sum of a query part and a key part, so each hidden unit a is a
 * MatMul of q⊙W_a against kᵀ: an [h, m, n, Tk] tensor (bytesPerCell counts its planes).
 * 1/τ (fed as inv_tau) is folded into u.
 */
import type { MetricOf, ScoreFunction } from './types';
import { scaled, transposed } from './common';

export const ranknet: ScoreFunction<MetricOf<'ranknet'>> = {
  key: () => 'ranknet',
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx) => {
    const b = ctx.b;
    const [wq, wk, wqk] = b.opN('Split', [ctx.param('rW', 2)], 3, { axis: 2 }); // [h, m, d] each
    const bias = b.op('Unsqueeze', [ctx.param('rb', 1), b.ints([1])]); // [h, 1, m]
    const fromQ = b.op('MatMul', [ctx.q, transposed(ctx, wq)]); // [h, n, m]
    const fromK = b.op('Add', [b.op('MatMul', [ctx.k, transposed(ctx, wk)]), bias]); // [h, Tk, m]
    const weighted = b.op('Mul', [b.op('Unsqueeze', [ctx.q, b.ints([1])]), b.op('Unsqueeze', [wqk, b.ints([2])])]); // [h, m, n, d]
    const pair = b.op('MatMul', [weighted, b.op('Unsqueeze', [transposed(ctx, ctx.k), b.ints([1])])]); // [h, m, n, Tk]
    const queryPart = b.op('Unsqueeze', [transposed(ctx, fromQ), b.ints([3])]); // [h, m, n, 1]
    const keyPart = b.op('Unsqueeze', [transposed(ctx, fromK), b.ints([2])]); // [h, m, 1, Tk]
    const hidden = b.op('Relu', [b.op('Add', [b.op('Add', [pair, queryPart]), keyPart])]);
    const u = b.op('Unsqueeze', [scaled(ctx, ctx.param('ru', 1), 'inv_tau'), b.ints([2, 3])]); // [h, m, 1, 1]
    return b.op('ReduceSum', [b.op('Mul', [hidden, u]), b.ints([1])], { keepdims: 0 });
  },
  params: (m, { dq }) => [
    { name: 'rW', perHead: m.W, shape: [m.m, 3 * dq] },
    { name: 'rb', perHead: m.b, shape: [m.m] },
    { name: 'ru', perHead: m.u, shape: [m.m] },
  ],
};
