/**
 * euclidean: −‖q−k‖₂ / τ = −sqrt(max(‖q−k‖²/τ², 0)), from the MatMul form in float64; on a
 * target without float64 (WebGPU, target.ts) from the broadcast difference instead:
 * ReduceL2 over [h, n, Tk, d], whose float32 has no cancellation to amplify.
 */
import type { MetricOf, ScoreFunction } from './types';
import { scaledSquaredDistances } from './distance';
import { DISTANCE_FLOAT64 } from './precision';

export const euclidean: ScoreFunction<MetricOf<'euclidean'>> = {
  key: () => 'euclidean',
  // one scalar for both forms (feeds do not know the target): 1/τ, squared in the graph for β
  scalars: (m) => ({ inv_tau: 1 / m.tau }),
  build: (ctx) => {
    const b = ctx.b;
    const invTau = ctx.scoreScalar('inv_tau');
    if (!ctx.target.float64) {
      const diff = b.op('Sub', [b.op('Unsqueeze', [ctx.q, b.ints([2])]), b.op('Unsqueeze', [ctx.k, b.ints([1])])]);
      const l2 = b.op('ReduceL2', [diff], { axes: [-1], keepdims: 0 });
      return b.op('Mul', [l2, b.op('Neg', [invTau])]);
    }
    const beta = b.op('Mul', [invTau, invTau]);
    const d = scaledSquaredDistances(ctx, { M: null, beta, float64: DISTANCE_FLOAT64.euclidean });
    const s = b.op('Neg', [b.op('Sqrt', [b.op('Max', [d.value, b.scalar(0, d.type)])])]);
    return d.type === 'float32' ? s : b.cast(s, 'float32');
  },
  params: () => [],
};
