/**
 * Tiling: which (head range, query-row range) pieces a job is run in. Bounded per-run
 * memory is what lets T = 16384 run at all (the wasm heap is 32-bit; a single T² run fails
 * with bad_alloc) and what makes cancellation prompt (a cancelled job stops within a tile).
 */
import type { AttentionProblem } from '../../src-shared/job/problem';

export interface Tile {
  h0: number;
  h1: number;
  r0: number;
  r1: number;
}

export interface PlanOptions {
  /** bytes one run's T×T-sized intermediates may take (default 48 MiB) */
  budgetBytes?: number;
  /** try to give each of this many workers at least one tile */
  workers?: number;
  /** never fewer than this many tiles (finer progress); default 1 */
  minTiles?: number;
}

/** Largest full-result arrays (scores, weights) we agree to hold: 512 MiB each (H·Tq·Tk ≤ 2^27). */
export const MAX_FULL_MATRIX_BYTES = 2 ** 29;

/** Bytes of intermediates one score cell costs inside a run (measured order of magnitude). */
export function bytesPerCell(problem: AttentionProblem): number {
  // scores, masked scores, exp, weights, mask booleans, plus products: ~8 float32 planes;
  // sparsemax sorts (values + int64 indices + cumsum), additive holds a T×T×m tensor
  let planes = 8;
  if (problem.normalizer === 'sparsemax') planes += 6;
  if (problem.masks.some((m) => m.id === 'topk')) planes += 4;
  if (problem.metric.id === 'additive') planes += 2 * problem.metric.m;
  if (problem.metric.id === 'laplacian') planes += 2 * (problem.q.cols / problem.heads);
  return planes * 4;
}

/** Rows per tile must be a multiple of this so the overview's row blocks never straddle tiles. */
export function rowQuantum(problem: AttentionProblem): number {
  if (!problem.overview) return 1;
  return Math.ceil(problem.q.rows / problem.overview.rows);
}

export function planTiles(problem: AttentionProblem, options: PlanOptions = {}): Tile[] {
  const budget = options.budgetBytes ?? 48 * 2 ** 20;
  const workers = Math.max(1, options.workers ?? 1);
  const minTiles = Math.max(options.minTiles ?? 1, workers);
  const H = problem.heads;
  const tq = problem.q.rows;
  const tk = problem.k.rows;
  const quantum = rowQuantum(problem);
  const cellsPerRow = Math.max(1, tk) * bytesPerCell(problem);

  // rows one head may run at once, rounded down to the overview quantum (at least one quantum)
  let rows = Math.max(quantum, Math.floor(budget / cellsPerRow / quantum) * quantum);
  rows = Math.min(rows, tq);
  // heads per run when a whole head fits
  let heads = rows === tq ? Math.max(1, Math.min(H, Math.floor(budget / (cellsPerRow * tq)))) : 1;

  const count = () => Math.ceil(H / heads) * Math.ceil(tq / rows);
  // spread the work: first split heads, then rows, until every worker has something
  while (count() < minTiles && heads > 1) heads = Math.ceil(heads / 2);
  while (count() < minTiles && rows > quantum) rows = Math.max(quantum, Math.ceil(rows / 2 / quantum) * quantum);

  const tiles: Tile[] = [];
  for (let h0 = 0; h0 < H; h0 += heads) {
    for (let r0 = 0; r0 < tq; r0 += rows) {
      tiles.push({ h0, h1: Math.min(H, h0 + heads), r0, r1: Math.min(tq, r0 + rows) });
    }
  }
  return tiles;
}

/** Why a job cannot be run at all (its requested full matrices are too large), or null. */
export function sizeProblem(problem: AttentionProblem): string | null {
  const cells = problem.heads * problem.q.rows * problem.k.rows;
  for (const kind of ['weights', 'scores'] as const) {
    if (problem.outputs.includes(kind) && cells * 4 > MAX_FULL_MATRIX_BYTES) {
      const gib = ((cells * 4) / 2 ** 30).toFixed(1);
      return `the full ${kind} (${problem.heads}×${problem.q.rows}×${problem.k.rows}, ${gib} GiB) are too large to hold; ask for "overview" instead of "${kind}" (entropy, argmax and outputs are computed for every row at any size)`;
    }
  }
  return null;
}
