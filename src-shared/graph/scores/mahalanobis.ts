/** mahalanobis: −(q−k)ᵀM(q−k) / (2τ²), M symmetric PSD per head; the MatMul form of distance.ts. */
import type { MetricOf, ScoreFunction } from './types';
import { scaledSquaredDistances } from './distance';
import { DISTANCE_FLOAT64 } from './precision';

export const mahalanobis: ScoreFunction<MetricOf<'mahalanobis'>> = {
  key: () => 'mahalanobis',
  scalars: (m) => ({ beta: -1 / (2 * m.tau ** 2) }),
  build: (ctx) => {
    const b = ctx.b;
    const M = ctx.param('M', 2);
    const d = scaledSquaredDistances(ctx, { M, beta: ctx.scoreScalar('beta'), float64: DISTANCE_FLOAT64.mahalanobis });
    const s = b.op('Min', [d.value, b.scalar(0, d.type)]);
    return d.type === 'float32' ? s : b.cast(s, 'float32');
  },
  params: (m, { dq }) => [{ name: 'M', perHead: m.M, shape: [dq, dq] }],
};
