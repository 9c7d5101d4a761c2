/**
 * Visibility, built in the graph. Positional masks (causal, window, dilated) come from
 * Range over the tile's absolute rows and keys (the `row0` and `col0` feeds), so they need
 * no [rows, Tk] feed; data masks are fed per tile (padding keep[Tk], segment ids, a
 * [rows, Tk] matrix for graph/custom); buckets compare SimHash codes per head. Everything but `topk` is ANDed
 * first (head-independent [n, Tk] masks before the per-head ones, so the big AND is done
 * once), then each `topk` mask keeps the k best of what is still visible, in stack order.
 *
 * Mask i's feeds are named `m{i}_…`. The positional scalars (causal offset, window size,
 * dilated stride) are int32 scalar feeds, so one session serves every offset and size;
 * bits and top-k k are baked in and appear in `maskKey`.
 */
import type { AttentionProblem, ResolvedMask } from '../job/problem';
import type { GraphContext } from './context';
import type { FeedTensor, Tile } from './feeds';
import { simhashCodes } from './scores';
import { packHeads } from './feeds';
import type { KeyRange } from './keys';

export const maskKey = (m: ResolvedMask): string => {
  switch (m.id) {
    // the offset is a feed (a decoding view changes it every step); only its sign shapes the graph
    case 'causal':
      return m.offset >= 0 ? 'causal(>=0)' : 'causal(<0)';
    case 'buckets':
      return `buckets(${m.bits})`;
    case 'topk':
      return `topk(${m.k})`;
    default:
      return m.id;
  }
};

/**
 * True when no row can end up with zero visible keys, whatever the sizes: only causal masks
 * with offset ≥ 0 (row i always sees key 0). Lets the graph skip its empty-row clean-up pass.
 */
export function rowsNeverEmpty(masks: ResolvedMask[]): boolean {
  return masks.every((m) => m.id === 'causal' && m.offset >= 0);
}

/** One non-topk mask as a bool tensor broadcastable to [h, n, Tk]; `perHead` if it has an h axis. */
function maskTensor(ctx: GraphContext, m: ResolvedMask, i: number): { value: string; perHead: boolean } {
  const b = ctx.b;
  const scalarFeed = (name: string) => b.input(`m${i}_${name}`, 'int32', []);
  switch (m.id) {
    case 'causal': // j ≤ i + offset: one compare of [1, Tk] against [n, 1], no i − j plane
      return { value: b.op('LessOrEqual', [ctx.colIndex(), b.op('Add', [ctx.rowIndex(), scalarFeed('offset')])]), perHead: false };
    case 'window': // |i − j| ≤ size
      return { value: b.op('LessOrEqual', [b.op('Abs', [ctx.rowMinusCol()]), scalarFeed('size')]), perHead: false };
    case 'dilated': // (i − j) mod stride = 0, whatever the sign convention of mod
      return { value: b.op('Equal', [b.op('Mod', [ctx.rowMinusCol(), scalarFeed('stride')], { fmod: 0 }), b.scalar(0, 'int32')]), perHead: false };
    case 'padding':
      return { value: b.input(`m${i}_keep`, 'bool', ['tk']), perHead: false };
    case 'segments': {
      const qi = b.op('Unsqueeze', [b.input(`m${i}_qids`, 'int32', ['n']), b.ints([1])]);
      const kj = b.op('Unsqueeze', [b.input(`m${i}_kids`, 'int32', ['tk']), b.ints([0])]);
      return { value: b.op('Equal', [qi, kj]), perHead: false };
    }
    case 'graph':
    case 'custom':
      return { value: b.input(`m${i}_allowed`, 'bool', ['n', 'tk']), perHead: false };
    case 'buckets': {
      // same code on all bits ⇔ the ±1 codes' dot product is `bits` (exact small integers)
      const R = ctx.param(`m${i}_R`, 2);
      const agree = b.op('MatMul', [simhashCodes(ctx, ctx.q, R), b.op('Transpose', [simhashCodes(ctx, ctx.k, R)], { perm: [0, 2, 1] })]);
      return { value: b.op('Greater', [agree, b.scalar(m.bits - 0.5)]), perHead: true };
    }
    case 'topk':
      throw new Error('topk masks are applied after the others');
  }
}

function and(ctx: GraphContext, a: string | null, b: string): string {
  return a === null ? b : ctx.b.op('And', [a, b]);
}

/**
 * The visible count per row, [n, 1] float32, without touching the [n, Tk] plane, when every
 * mask is causal: #{j ∈ [col0, col0 + Tk) : j ≤ i + offset} = clip(i + offset + 1 − col0, 0, Tk).
 * Null otherwise (the caller sums the visibility).
 */
export function causalVisibleCount(ctx: GraphContext, masks: ResolvedMask[]): string | null {
  if (masks.length === 0 || !masks.every((m) => m.id === 'causal')) return null;
  const b = ctx.b;
  const offsets = masks.map((_, i) => b.input(`m${i}_offset`, 'int32', []));
  const offset = offsets.reduce((a, o) => b.op('Min', [a, o]));
  const col0 = b.cast(b.input('col0', 'int64', []), 'int32');
  const last = b.op('Sub', [b.op('Add', [ctx.rowIndex(), offset]), col0]); // i + offset − col0
  const count = b.op('Clip', [b.cast(b.op('Add', [last, b.scalar(1, 'int32')]), 'float32'), b.scalar(0), b.cast(ctx.keys(), 'float32')]);
  return count;
}

/** The AND of every non-topk mask, or null when nothing is masked. */
export function pairVisibility(ctx: GraphContext, masks: ResolvedMask[]): string | null {
  let shared: string | null = null;
  let perHead: string | null = null;
  masks.forEach((m, i) => {
    if (m.id === 'topk') return;
    const t = maskTensor(ctx, m, i);
    if (t.perHead) perHead = and(ctx, perHead, t.value);
    else shared = and(ctx, shared, t.value);
  });
  if (shared === null) return perHead;
  return perHead === null ? shared : and(ctx, shared, perHead);
}

/** Scores with blocked pairs at −∞ (no NaN: Where selects, it never multiplies). */
export function maskedScores(ctx: GraphContext, scores: string, visible: string | null): string {
  return visible === null ? scores : ctx.b.op('Where', [visible, scores, ctx.b.scalar(-Infinity)]);
}

/**
 * Applies the topk masks in stack order: each keeps, per row, the k best-scoring keys still
 * visible (TopK's ties go to the lower index; k is capped at Tk so TopK never fails; picks
 * beyond the visible ones are −∞ entries and vanish in the AND).
 */
export function applyTopkMasks(ctx: GraphContext, masks: ResolvedMask[], scores: string, visible: string | null): string | null {
  const b = ctx.b;
  let vis = visible;
  for (const m of masks) {
    if (m.id !== 'topk') continue;
    const k = b.op('Min', [b.ints([m.k]), ctx.keys1()]);
    const [, picked] = b.opN('TopK', [maskedScores(ctx, scores, vis), k], 2, { axis: -1, largest: 1, sorted: 1 });
    const none = b.op('Expand', [b.scalar(0, 'bool'), b.op('Shape', [scores])]);
    const kept = b.op('ScatterElements', [none, picked, b.op('Expand', [b.scalar(1, 'bool'), b.op('Shape', [picked])])], { axis: -1 });
    vis = and(ctx, vis, kept);
  }
  return vis;
}

/** The feeds of every data mask for one tile. */
export function maskFeeds(problem: AttentionProblem, tile: Tile, keys: KeyRange): Record<string, FeedTensor> {
  const feeds: Record<string, FeedTensor> = {};
  const Tk = problem.k.rows;
  const { k0, k1 } = keys;
  const n = tile.r1 - tile.r0;
  const bool = (a: ArrayLike<number>) => Uint8Array.from(a, (x) => (x ? 1 : 0));
  const dq = problem.q.cols / problem.heads;
  problem.masks.forEach((m, i) => {
    const int = (v: number): FeedTensor => ({ type: 'int32', data: Int32Array.of(v), dims: [] });
    switch (m.id) {
      case 'causal':
        feeds[`m${i}_offset`] = int(m.offset);
        break;
      case 'window':
        feeds[`m${i}_size`] = int(m.size);
        break;
      case 'dilated':
        feeds[`m${i}_stride`] = int(m.stride);
        break;
      case 'padding':
        feeds[`m${i}_keep`] = { type: 'bool', data: bool(m.keep.subarray(k0, k1)), dims: [k1 - k0] };
        break;
      case 'segments':
        feeds[`m${i}_qids`] = { type: 'int32', data: m.queryIds.slice(tile.r0, tile.r1), dims: [n] };
        feeds[`m${i}_kids`] = { type: 'int32', data: m.keyIds.slice(k0, k1), dims: [k1 - k0] };
        break;
      case 'graph':
      case 'custom': {
        const data = new Uint8Array(n * (k1 - k0));
        for (let r = 0; r < n; r++) data.set(bool(m.allowed.subarray((tile.r0 + r) * Tk + k0, (tile.r0 + r) * Tk + k1)), r * (k1 - k0));
        feeds[`m${i}_allowed`] = { type: 'bool', data, dims: [n, k1 - k0] };
        break;
      }
      case 'buckets':
        feeds[`m${i}_R`] = packHeads(m.R, [m.bits, dq], tile);
        break;
      default:
        break;
    }
  });
  return feeds;
}
