/**
 * gat: LeakyReLU(aqᵀq + akᵀk) / τ. Each side is one matrix-vector product; 1/τ (> 0)
 * commutes with LeakyReLU, so it is folded into both [n, 1] and [1, Tk] terms. The slope is
 * LeakyRelu's attribute, so it is in the key; 1/τ is fed (inv_tau).
 */
import type { MetricOf, ScoreFunction } from './types';
import { asKeyRow, scaled } from './common';

export const gat: ScoreFunction<MetricOf<'gat'>> = {
  key: (m) => `gat(slope=${m.slope})`,
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx, m) => {
    const b = ctx.b;
    const column = (x: string, a: string) => scaled(ctx, b.op('MatMul', [x, b.op('Unsqueeze', [a, b.ints([2])])]), 'inv_tau');
    const fromQ = column(ctx.q, ctx.param('aq', 1)); // [h, n, 1]
    const fromK = asKeyRow(ctx, column(ctx.k, ctx.param('ak', 1))); // [h, 1, Tk]
    return b.op('LeakyRelu', [b.op('Add', [fromQ, fromK])], { alpha: { f: m.slope } });
  },
  params: (m, { dq, dk }) => [
    { name: 'aq', perHead: m.aq, shape: [dq] },
    { name: 'ak', perHead: m.ak, shape: [dk] },
  ],
};
