/** bilinear: qᵀ W k / τ. (q·W) is [n, dk]: the 1/τ goes there, then one MatMul with Kᵀ. */
import type { MetricOf, ScoreFunction } from './types';
import { scaled } from './common';

export const bilinear: ScoreFunction<MetricOf<'bilinear'>> = {
  key: (m) => `bilinear(tau=${m.tau})`,
  build: (ctx, m) => {
    const qW = ctx.b.op('MatMul', [ctx.q, ctx.param('W', 2)]);
    return ctx.b.op('MatMul', [scaled(ctx, qW, 1 / m.tau), ctx.kT()]);
  },
  params: (m, { dq, dk }) => [{ name: 'W', perHead: m.W, shape: [dq, dk] }],
};
