/**
 * A region of a problem: query rows [r0, r1) of one head, against every key. The engine
 * computes a region as it computes a whole job — the same graph, the same feeds, the same
 * tile assembly — but plans tiles only over the region's rows and writes them into a
 * result sized for the region (1 head × (r1 − r0) rows × Tk keys). This is how a zoomed
 * view of T = 16384 gets full-resolution weights without a T×T matrix anywhere.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { Tile } from './feeds';
import { BANDED_ROWS, DEFAULT_BUDGET_BYTES, bytesPerCell, isBanded, needsWholeHeads, type TilePlanOptions } from './plan';
import { allocateResult, type AllocateOptions } from './result';

export interface Region {
  head: number;
  r0: number;
  r1: number;
}

/** Why a region does not fit the problem, or null. */
export function regionProblem(problem: AttentionProblem, region: Region): string | null {
  const { head, r0, r1 } = region;
  if (!Number.isInteger(head) || head < 0 || head >= problem.heads) return `head ${head} is not one of the ${problem.heads} heads`;
  if (!Number.isInteger(r0) || !Number.isInteger(r1) || r0 < 0 || r1 <= r0 || r1 > problem.q.rows) {
    return `rows [${r0}, ${r1}) are not a non-empty range inside the ${problem.q.rows} query rows`;
  }
  if (problem.overview) return 'a region has no overview: ask for weights or scores';
  // (the delta rule's rows can each be computed alone: recurrence/rows.ts replays the steps before them)
  if (needsWholeHeads(problem) && !problem.recurrence) return `the ${problem.normalizer} normalizer couples every row of a head, so a region of rows cannot be computed alone`;
  return null;
}

/** Tiles covering the region, bounded by the same memory budget as planGraphTiles. */
export function planRegionTiles(problem: AttentionProblem, region: Region, options: TilePlanOptions = {}): Tile[] {
  const budget = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const perRow = Math.max(1, problem.k.rows) * bytesPerCell(problem, options.target);
  const n = region.r1 - region.r0;
  // a delta region is one tile: each tile would replay the head's steps from row 0
  const banded = problem.recurrence?.id === 'delta' ? n : isBanded(problem) ? BANDED_ROWS : n;
  const rows = Math.min(n, Math.max(1, options.tileRows ?? Math.min(Math.floor(budget / perRow), banded)));
  const tiles: Tile[] = [];
  for (let r0 = region.r0; r0 < region.r1; r0 += rows) tiles.push({ h0: region.head, h1: region.head + 1, r0, r1: Math.min(region.r1, r0 + rows) });
  return tiles;
}

/** Where a tile of the problem lands in the region's result. */
export function placeInRegion(tile: Tile, region: Region): Tile {
  return { h0: tile.h0 - region.head, h1: tile.h1 - region.head, r0: tile.r0 - region.r0, r1: tile.r1 - region.r0 };
}

/** Result arrays for the region: 1 head, r1 − r0 query rows, every key. */
export function allocateRegionResult(problem: AttentionProblem, region: Region, options: AllocateOptions = {}): AttentionResult {
  const H = problem.heads;
  const shape: AttentionProblem = {
    ...problem,
    heads: 1,
    q: { rows: region.r1 - region.r0, cols: problem.q.cols / H, data: new Float32Array(0) },
    k: { rows: problem.k.rows, cols: problem.k.cols / H, data: new Float32Array(0) },
    v: { rows: problem.v.rows, cols: problem.v.cols / H, data: new Float32Array(0) },
    overview: undefined,
  };
  return allocateResult(shape, options);
}
