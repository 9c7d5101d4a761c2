/** euclidean: −‖q−k‖₂ / τ = −sqrt(max(‖q−k‖²/τ², 0)). */
import type { MetricOf, ScoreFunction } from './types';
import { scaledSquaredDistances } from './distance';
import { DISTANCE_FLOAT64 } from './precision';

export const euclidean: ScoreFunction<MetricOf<'euclidean'>> = {
  key: (m) => `euclidean(tau=${m.tau})`,
  build: (ctx, m) => {
    const b = ctx.b;
    const d = scaledSquaredDistances(ctx, { M: null, beta: 1 / m.tau ** 2, float64: DISTANCE_FLOAT64.euclidean });
    const s = b.op('Neg', [b.op('Sqrt', [b.op('Max', [d.value, b.scalar(0, d.type)])])]);
    return d.type === 'float32' ? s : b.cast(s, 'float32');
  },
  params: () => [],
};
