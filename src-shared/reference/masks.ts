/**
 * Which keys each query may see. Every mask but `topk` is a predicate visible(i, j); they
 * combine by AND. `topk` masks then run in stack order, each keeping the k best-scoring of
 * the keys still visible in the row (ties to the lower key index).
 */
import type { ResolvedMask } from '../job/problem';
import { topK } from '../stats';
import { signs, type Vector } from './vectors';

/** A mask that is a plain predicate on (i, j): everything but `topk`. */
export type PairMask = Exclude<ResolvedMask, { id: 'topk' }>;

/** What a predicate may need: the head (for per-head R) and that head's query and key rows. */
export interface MaskContext {
  head: number;
  Tq: number;
  Tk: number;
  q: Vector[];
  k: Vector[];
}

/** visible(i, j) for one mask, straight from the table in docs/semantics.md. */
export function visibleByMask(mask: PairMask, ctx: MaskContext, i: number, j: number): boolean {
  switch (mask.id) {
    case 'causal':
      return j <= i + mask.offset;
    case 'padding':
      return mask.keep[j] !== 0;
    case 'window':
      return Math.abs(i - j) <= mask.size;
    // JS % keeps the sign of i − j, but "divisible by stride" is the same either way
    case 'dilated':
      return (i - j) % mask.stride === 0;
    case 'segments':
      return mask.queryIds[i] === mask.keyIds[j];
    case 'buckets':
      return sameCode(signs(mask.R[ctx.head], mask.bits, ctx.q[i]), signs(mask.R[ctx.head], mask.bits, ctx.k[j]));
    case 'graph':
    case 'custom':
      return mask.allowed[i * ctx.Tk + j] !== 0;
  }
}

function sameCode(a: Int8Array, b: Int8Array): boolean {
  for (let bit = 0; bit < a.length; bit++) if (a[bit] !== b[bit]) return false;
  return true;
}

/**
 * The Tq × Tk 0/1 visibility of one head: the AND of every pair mask, then each `topk` mask
 * in stack order on `scores` (the unmasked Tq × Tk scores of the head).
 */
export function visibility(masks: ResolvedMask[], ctx: MaskContext, scores: Float64Array): Uint8Array {
  const { Tq, Tk } = ctx;
  const visible = new Uint8Array(Tq * Tk).fill(1);
  for (const mask of masks) {
    if (mask.id === 'topk') continue;
    for (let i = 0; i < Tq; i++) {
      for (let j = 0; j < Tk; j++) if (!visibleByMask(mask, ctx, i, j)) visible[i * Tk + j] = 0;
    }
  }
  for (const mask of masks) {
    if (mask.id !== 'topk') continue;
    for (let i = 0; i < Tq; i++) keepTopK(visible.subarray(i * Tk, (i + 1) * Tk), scores.subarray(i * Tk, (i + 1) * Tk), mask.k);
  }
  return visible;
}

/** In one row, keep visible only the k best-scoring visible keys (ties to the lower index). */
function keepTopK(visibleRow: Uint8Array, scoreRow: Float64Array, k: number): void {
  const kept = new Set(topK(scoreRow, k, visibleRow).indices);
  for (let j = 0; j < visibleRow.length; j++) if (!kept.has(j)) visibleRow[j] = 0;
}

/** Checks each mask's parameters against the problem's shape, with a message that names the mask. */
export function checkMaskShapes(masks: ResolvedMask[], heads: number, Tq: number, Tk: number, dq: number, dk: number): void {
  const fail = (mask: ResolvedMask, what: string): never => {
    throw new Error(`mask '${mask.id}': ${what}`);
  };
  for (const mask of masks) {
    switch (mask.id) {
      case 'causal':
        if (!Number.isInteger(mask.offset)) fail(mask, `offset must be a whole number, got ${mask.offset}`);
        break;
      case 'padding':
        if (mask.keep.length !== Tk) fail(mask, `keep has ${mask.keep.length} entries, expected one per key (${Tk})`);
        break;
      case 'window':
        if (!(Number.isInteger(mask.size) && mask.size >= 0)) fail(mask, `size must be a whole number ≥ 0, got ${mask.size}`);
        break;
      case 'dilated':
        if (!(Number.isInteger(mask.stride) && mask.stride >= 1)) fail(mask, `stride must be a whole number ≥ 1, got ${mask.stride}`);
        break;
      case 'segments':
        if (mask.queryIds.length !== Tq) fail(mask, `queryIds has ${mask.queryIds.length} entries, expected ${Tq}`);
        if (mask.keyIds.length !== Tk) fail(mask, `keyIds has ${mask.keyIds.length} entries, expected ${Tk}`);
        break;
      case 'buckets':
        if (dq !== dk) fail(mask, `compares SimHash codes of queries and keys, which needs equal widths, got ${dq} and ${dk}`);
        if (mask.R.length < heads) fail(mask, `R has ${mask.R.length} heads, expected ${heads}`);
        for (let h = 0; h < heads; h++) {
          if (mask.R[h].length !== mask.bits * dq) fail(mask, `R of head ${h} has ${mask.R[h].length} values, expected ${mask.bits}×${dq}`);
        }
        break;
      case 'graph':
      case 'custom':
        if (mask.allowed.length !== Tq * Tk) fail(mask, `allowed has ${mask.allowed.length} entries, expected ${Tq}×${Tk}`);
        break;
      case 'topk':
        if (!(Number.isInteger(mask.k) && mask.k >= 1)) fail(mask, `k must be a whole number ≥ 1, got ${mask.k}`);
        break;
    }
  }
}
