/**
 * polynomial: (a·q·k + r)^p / τ. r and 1/τ are fed; the rest shapes the graph, and is in
 * the key:
 * - p: Mul for the square, Pow otherwise;
 * - whether r = 0 or τ = 1 (the default): each skips a pass over [n, Tk];
 * - a, a constant on q that onnxruntime folds into the MatMul (FusedMatMul's alpha: one
 *   rounding after the sum). Fed, it is a Mul on q, rounded per element before the sum,
 *   which the power amplifies: sparsemax weights then miss the reference by 1.2e-5 where
 *   SPEC §5 allows 1e-5 (tests/graph, measured). A temperature sweep does not change a.
 */
import type { MetricOf, ScoreFunction } from './types';

export const polynomial: ScoreFunction<MetricOf<'polynomial'>> = {
  key: (m) => `polynomial(a=${m.a},p=${m.p}${m.r === 0 ? '' : ',r'}${m.tau === 1 ? '' : ',tau'})`,
  scalars: (m) => ({ ...(m.r === 0 ? {} : { r: m.r }), ...(m.tau === 1 ? {} : { inv_tau: 1 / m.tau }) }),
  build: (ctx, m) => {
    const b = ctx.b;
    const q = m.a === 1 ? ctx.q : b.op('Mul', [ctx.q, b.scalar(m.a)]);
    let x = b.op('MatMul', [q, ctx.kT()]);
    if (m.r !== 0) x = b.op('Add', [x, ctx.scoreScalar('r')]);
    // integer p: Mul for the common square; Pow (std::pow, exact sign for integral exponents) otherwise
    const powered = m.p === 1 ? x : m.p === 2 ? b.op('Mul', [x, x]) : b.op('Pow', [x, b.scalar(m.p)]);
    return m.tau === 1 ? powered : b.op('Mul', [powered, ctx.scoreScalar('inv_tau')]);
  },
  params: () => [],
};
