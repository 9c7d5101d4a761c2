/**
 * hamming (SimHash): (b − 2·hamming(sign Rq, sign Rk)) / (b·τ). With codes as ±1 vectors,
 * code(q)·code(k) = b − 2·hamming, so the score is one MatMul of the codes. sign(0) = +1.
 */
import type { MetricOf, ScoreFunction } from './types';
import { transposed } from './common';
import type { GraphContext } from '../context';

/** ±1 SimHash codes [h, T, bits] of x [h, T, d] under planes R [h, bits, d]. */
export function simhashCodes(ctx: GraphContext, x: string, R: string): string {
  const b = ctx.b;
  const projected = b.op('MatMul', [x, transposed(ctx, R)]);
  return b.op('Where', [b.op('Less', [projected, b.scalar(0)]), b.scalar(-1), b.scalar(1)]);
}

export const hamming: ScoreFunction<MetricOf<'hamming'>> = {
  // bits is R's (fed) shape; the scale 1/(bits·τ) is fed
  key: () => 'hamming',
  scalars: (m) => ({ scale: 1 / (m.bits * m.tau) }),
  build: (ctx) => {
    const b = ctx.b;
    const R = ctx.param('R', 2);
    // scaled after the exact integer product, so equal Hamming distances give equal scores
    // (ties stay ties for topk masks and argmax, as in the reference)
    const agree = b.op('MatMul', [simhashCodes(ctx, ctx.q, R), transposed(ctx, simhashCodes(ctx, ctx.k, R))]);
    return b.op('Mul', [agree, ctx.scoreScalar('scale')]);
  },
  params: (m, { dq }) => [{ name: 'R', perHead: m.R, shape: [m.bits, dq] }],
};
