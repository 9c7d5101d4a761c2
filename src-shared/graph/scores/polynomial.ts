/** polynomial: (a·q·k + r)^p / τ, with a folded into q. */
import type { MetricOf, ScoreFunction } from './types';
import { scaled } from './common';

export const polynomial: ScoreFunction<MetricOf<'polynomial'>> = {
  key: (m) => `polynomial(a=${m.a},r=${m.r},p=${m.p},tau=${m.tau})`,
  build: (ctx, m) => {
    const b = ctx.b;
    let x = b.op('MatMul', [scaled(ctx, ctx.q, m.a), ctx.kT()]);
    if (m.r !== 0) x = b.op('Add', [x, b.scalar(m.r)]);
    // integer p: Mul for the common square; Pow (std::pow, exact sign for integral exponents) otherwise
    const powered = m.p === 1 ? x : m.p === 2 ? b.op('Mul', [x, x]) : b.op('Pow', [x, b.scalar(m.p)]);
    return m.tau === 1 ? powered : b.op('Mul', [powered, b.scalar(1 / m.tau)]);
  },
  params: () => [],
};
