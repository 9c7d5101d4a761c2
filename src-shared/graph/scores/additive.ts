/**
 * additive (Bahdanau): vᵀ tanh(Aq q + Ak k) / τ. The one score that needs an [n, Tk, m]
 * tensor: tanh does not distribute over the sum. The contraction with v is a MatMul against
 * v as [h, 1, m, 1] (1/τ, fed as inv_tau, folded into v).
 */
import type { MetricOf, ScoreFunction } from './types';
import { scaled, transposed } from './common';

export const additive: ScoreFunction<MetricOf<'additive'>> = {
  key: () => 'additive',
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx) => {
    const b = ctx.b;
    const fromQ = b.op('MatMul', [ctx.q, transposed(ctx, ctx.param('Aq', 2))]); // [h, n, m]
    const fromK = b.op('MatMul', [ctx.k, transposed(ctx, ctx.param('Ak', 2))]); // [h, Tk, m]
    const hidden = b.op('Tanh', [b.op('Add', [b.op('Unsqueeze', [fromQ, b.ints([2])]), b.op('Unsqueeze', [fromK, b.ints([1])])])]);
    const v = b.op('Unsqueeze', [scaled(ctx, ctx.param('av', 1), 'inv_tau'), b.ints([1, 3])]); // [h, 1, m, 1]
    return b.op('Squeeze', [b.op('MatMul', [hidden, v]), b.ints([3])]);
  },
  params: (m, { dq, dk }) => [
    { name: 'Aq', perHead: m.Aq, shape: [m.m, dq] },
    { name: 'Ak', perHead: m.Ak, shape: [m.m, dk] },
    { name: 'av', perHead: m.v, shape: [m.m] },
  ],
};
