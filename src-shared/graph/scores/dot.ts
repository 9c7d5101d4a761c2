/** dot: c · q·k. The scale goes on q ([n, d]) before the MatMul, not on the [n, Tk] result. */
import type { MetricOf, ScoreFunction } from './types';
import { scaled } from './common';

export const dot: ScoreFunction<MetricOf<'dot'>> = {
  key: (m) => `dot(c=${m.c})`,
  build: (ctx, m) => ctx.b.op('MatMul', [scaled(ctx, ctx.q, m.c), ctx.kT()]),
  params: () => [],
};
