/** dot: c · q·k. The scale (fed: c) goes on q ([n, d]) before the MatMul, not on the [n, Tk] result. */
import type { MetricOf, ScoreFunction } from './types';
import { scaled } from './common';

export const dot: ScoreFunction<MetricOf<'dot'>> = {
  key: () => 'dot',
  scalars: (m) => ({ c: m.c }),
  build: (ctx) => ctx.b.op('MatMul', [scaled(ctx, ctx.q, 'c'), ctx.kT()]),
  params: () => [],
};
