/** Small graph pieces several score functions share. */
import type { GraphContext } from '../context';

/**
 * x times the run-time score scalar `name` (ctx.scoreScalar). Used on the small sides
 * ([n, d], [Tk, 1], [m]) so the [n, Tk] scores need no pass of their own; kept even when the
 * scalar is 1, where the pass is cheap, so one model serves every value.
 */
export function scaled(ctx: GraphContext, x: string, name: string): string {
  return ctx.b.op('Mul', [x, ctx.scoreScalar(name)]);
}

/** [h, T, 1] → [h, 1, T]: a per-key column turned into a row that broadcasts over queries. */
export function asKeyRow(ctx: GraphContext, x: string): string {
  return ctx.b.op('Transpose', [x], { perm: [0, 2, 1] });
}

/** xᵀ for a [h, a, b] tensor. */
export function transposed(ctx: GraphContext, x: string): string {
  return ctx.b.op('Transpose', [x], { perm: [0, 2, 1] });
}
