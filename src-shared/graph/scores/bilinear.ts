/** bilinear: qᵀ W k / τ. (q·W) is [n, dk]: the 1/τ (fed: inv_tau) goes there, then one MatMul with Kᵀ. */
import type { MetricOf, ScoreFunction } from './types';
import { scaled } from './common';

export const bilinear: ScoreFunction<MetricOf<'bilinear'>> = {
  key: () => 'bilinear',
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx) => {
    const qW = ctx.b.op('MatMul', [ctx.q, ctx.param('W', 2)]);
    return ctx.b.op('MatMul', [scaled(ctx, qW, 'inv_tau'), ctx.kT()]);
  },
  params: (m, { dq, dk }) => [{ name: 'W', perHead: m.W, shape: [dq, dk] }],
};
