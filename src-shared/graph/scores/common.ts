/** Small graph pieces several score functions share. */
import type { GraphContext } from '../context';

/** x · c, skipped when c = 1 (one node and one pass fewer). */
export function scaled(ctx: GraphContext, x: string, c: number): string {
  return c === 1 ? x : ctx.b.op('Mul', [x, ctx.b.scalar(c)]);
}

/** [h, T, 1] → [h, 1, T]: a per-key column turned into a row that broadcasts over queries. */
export function asKeyRow(ctx: GraphContext, x: string): string {
  return ctx.b.op('Transpose', [x], { perm: [0, 2, 1] });
}

/** xᵀ for a [h, a, b] tensor. */
export function transposed(ctx: GraphContext, x: string): string {
  return ctx.b.op('Transpose', [x], { perm: [0, 2, 1] });
}
