/**
 * Tiles for one problem: rows per run bounded so one run's [h, n, Tk] intermediates stay
 * under a budget (the wasm heap is 32-bit and never shrinks), and, with an overview, tile
 * rows a multiple of the block height br so pooled row blocks never straddle tiles. The
 * budget is in score cells at full Tk: a banded tile's key range (keys.ts) only makes it
 * smaller.
 */
import type { AttentionProblem } from '../job/problem';
import type { Tile } from './feeds';
import { overviewBlocks } from './outputs';
import { keyRange } from './keys';
import { graphTarget } from './target';

export const DEFAULT_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * Bytes the graph keeps live per score cell ([h, n, Tk] entry) at its peak: a count of
 * float32-sized planes, from the graph's structure (scores, masked scores, weights, the
 * entropy product, requested matrix outputs) plus what the heavier pieces add.
 */
export function bytesPerCell(problem: AttentionProblem, target?: unknown): number {
  // the delta rule's TypeScript rows (recurrence/tile.ts) hold only the outputs asked for, one plane each
  if (problem.recurrence?.id === 'delta') return 4 * (1 + Number(problem.outputs.includes('scores')) + Number(problem.outputs.includes('weights')));
  // graph/recurrence.ts: q·kᵀ (or φ·φᵀ), the decay and its exp, A, |A|, p, p·ln p, the masked copy
  if (problem.recurrence) return 4 * (8 + Number(problem.outputs.includes('weights')));
  let planes = 4;
  if (problem.outputs.includes('scores')) planes += 1;
  if (problem.outputs.includes('weights')) planes += 1;
  if (problem.masks.length > 0) planes += 1;
  // ALiBi: the [n, Tk] distance and the biased score plane
  if (problem.bias) planes += 2;
  if (problem.normalizer === 'sparsemax') planes += 8;
  if (problem.normalizer === 'kernel') planes += 3;
  // two TopK orders (int64 values: two planes each), the decayed ranks
  if (problem.normalizer === 'rank') planes += 7;
  // an unrolled log-domain round: L, its shifted copy, exp, the new L (onnxruntime reuses freed ones)
  if (problem.normalizer === 'sinkhorn') planes += 4;
  planes += 3 * problem.masks.filter((m) => m.id === 'topk').length;
  const m = problem.metric;
  if (m.id === 'additive') planes += 2 * m.m;
  // the [h, m, n, Tk] pair term, its sum with the query and key parts, relu, times u
  if (m.id === 'ranknet') planes += 3 * m.m;
  if (m.id === 'laplacian') planes += problem.q.cols / problem.heads;
  if (m.id === 'euclidean' && !graphTarget(target).float64) planes += problem.q.cols / problem.heads;
  else if (m.id === 'rbf' || m.id === 'euclidean' || m.id === 'mahalanobis') planes += 4;
  return planes * 4;
}

export interface TilePlanOptions {
  /** rows per tile (rounded down to the overview block height, at least one block) */
  tileRows?: number;
  /** bytes one run's intermediates may take (default 64 MiB) */
  budgetBytes?: number;
  /** the runtime's capabilities (target.ts), which change a few graphs' footprint */
  target?: unknown;
}

/**
 * Rows per tile when a causal or window mask bands the keys: small row tiles skip most
 * blocked keys (keys.ts) — with T rows in tiles of R, the scored cells drop from T² to about
 * T²/2 + T·R/2 — and keep each tile's planes cache-sized. Measured in tests/graph/profile-dot.ts.
 */
export const BANDED_ROWS = 128;

export function isBanded(problem: AttentionProblem): boolean {
  return problem.masks.some((m) => m.id === 'causal' || m.id === 'window');
}

/**
 * The most bytes one head's whole-matrix tile may take. Sinkhorn's column sums run over every
 * query, so its tiles cannot be split by rows: one head's Tq × Tk planes must fit at once, in
 * the wasm heap (4 GiB at most, shared with the session) or the GPU's buffers.
 */
export const WHOLE_HEAD_MAX_BYTES = 1024 * 2 ** 20;

/**
 * Whether a tile must hold every row of its heads: sinkhorn's column sums run over every
 * query; the delta rule's row i needs every step before it (recurrence/rows.ts), so split
 * rows would each redo the head from row 0.
 */
export function needsWholeHeads(problem: AttentionProblem): boolean {
  if (problem.recurrence) return problem.recurrence.id === 'delta';
  return problem.normalizer === 'sinkhorn';
}

/** Refuses, naming `normalizer`, a whole-head normaliser whose T×T planes would not fit. */
export function checkWholeHeads(problem: AttentionProblem, target?: unknown): void {
  // a delta head is streamed row by row: only its requested T×T outputs are held, as for any run
  if (!needsWholeHeads(problem) || problem.recurrence) return;
  const bytes = problem.q.rows * Math.max(1, problem.k.rows) * bytesPerCell(problem, target);
  if (bytes > WHOLE_HEAD_MAX_BYTES) {
    const mib = (x: number) => Math.ceil(x / 2 ** 20);
    throw new Error(
      `normalizer: ${problem.normalizer} normalises columns over every query, so each head is computed whole; ` +
        `${problem.q.rows} × ${problem.k.rows} needs about ${mib(bytes)} MiB, above the ${mib(WHOLE_HEAD_MAX_BYTES)} MiB limit ` +
        `(use fewer tokens, or a row-wise normalizer such as softmax or rank)`,
    );
  }
}

export function planGraphTiles(problem: AttentionProblem, options: TilePlanOptions = {}): Tile[] {
  const H = problem.heads;
  const Tq = problem.q.rows;
  const budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const perRow = Math.max(1, problem.k.rows) * bytesPerCell(problem, options.target);
  const quantum = overviewBlocks(problem)?.br ?? 1;
  checkWholeHeads(problem, options.target);
  const banded = isBanded(problem) ? BANDED_ROWS : Tq;
  let rows = needsWholeHeads(problem) ? Tq : (options.tileRows ?? Math.min(Math.floor(budget / perRow), banded));
  // a whole head ends at Tq, which the overview accepts as a block edge
  if (!needsWholeHeads(problem)) rows = Math.min(Tq, Math.max(quantum, Math.floor(rows / quantum) * quantum));
  // a delta tile is compute-bound TypeScript, not one graph run: one head per tile spreads heads over the workers
  const heads = problem.recurrence?.id === 'delta' ? 1 : Math.min(H, Math.max(1, Math.floor(budget / (perRow * rows))));
  const tiles: Tile[] = [];
  for (let h0 = 0; h0 < H; h0 += heads) {
    for (let r0 = 0; r0 < Tq; r0 += rows) tiles.push({ h0, h1: Math.min(H, h0 + heads), r0, r1: Math.min(Tq, r0 + rows) });
  }
  if (isBanded(problem)) {
    // biggest key ranges first, so parallel workers do not end waiting on one large last tile
    const size = (t: Tile) => (t.h1 - t.h0) * (t.r1 - t.r0) * (keyRange(problem, t).k1 - keyRange(problem, t).k0);
    tiles.sort((a, b) => size(b) - size(a));
  }
  return tiles;
}
