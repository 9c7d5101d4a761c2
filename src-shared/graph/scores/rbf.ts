/** rbf: −‖q−k‖² / (2τ²), via the MatMul form of distance.ts; clipped at 0 from above (a distance is ≥ 0). */
import type { MetricOf, ScoreFunction } from './types';
import { scaledSquaredDistances } from './distance';
import { DISTANCE_FLOAT64 } from './precision';

export const rbf: ScoreFunction<MetricOf<'rbf'>> = {
  key: () => 'rbf',
  scalars: (m) => ({ beta: -1 / (2 * m.tau ** 2) }),
  build: (ctx) => {
    const b = ctx.b;
    const d = scaledSquaredDistances(ctx, { M: null, beta: ctx.scoreScalar('beta'), float64: DISTANCE_FLOAT64.rbf });
    const s = b.op('Min', [d.value, b.scalar(0, d.type)]);
    return d.type === 'float32' ? s : b.cast(s, 'float32');
  },
  params: () => [],
};
