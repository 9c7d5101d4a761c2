/**
 * How the pool cuts a job: the graph's own tiling (src-shared/graph/plan.ts: rows bounded by
 * a memory budget, causal/window bands trimmed to their keys), spread so every worker has
 * something to do, plus the one size check that refuses a job before it starts.
 */
import type { AttentionProblem } from '../../src-shared/job/problem';
import { overviewBlocks, planGraphTiles, type Tile } from '../../src-shared/graph';
import { bytesPerCell, needsWholeHeads } from '../../src-shared/graph/plan';

export type { Tile };

/** Largest full-result arrays (scores, weights) we agree to hold: 512 MiB each (H·Tq·Tk ≤ 2^27). */
export const MAX_FULL_MATRIX_BYTES = 2 ** 29;

/** Below this many score cells a job is one tile: splitting would cost more than it saves. */
const SPREAD_CELLS = 2 ** 16;

export interface PoolPlanOptions {
  workers: number;
  budgetBytes?: number;
}

function splitRows(t: Tile, parts: number, quantum: number): Tile[] {
  const n = t.r1 - t.r0;
  const step = Math.max(quantum, Math.ceil(n / parts / quantum) * quantum);
  const out: Tile[] = [];
  for (let r0 = t.r0; r0 < t.r1; r0 += step) out.push({ ...t, r0, r1: Math.min(t.r1, r0 + step) });
  return out;
}

export function planPoolTiles(problem: AttentionProblem, options: PoolPlanOptions): Tile[] {
  const tiles = planGraphTiles(problem, { budgetBytes: options.budgetBytes });
  const cells = problem.heads * problem.q.rows * problem.k.rows;
  if (tiles.length >= options.workers || cells < SPREAD_CELLS) return tiles;
  // too few tiles to keep every worker busy: split heads first, then rows
  const quantum = overviewBlocks(problem)?.br ?? 1;
  const byHead = tiles.flatMap((t) => Array.from({ length: t.h1 - t.h0 }, (_, i) => ({ ...t, h0: t.h0 + i, h1: t.h0 + i + 1 })));
  // sinkhorn's columns and the delta rule's steps run over every row of a head: never split one
  if (byHead.length >= options.workers || needsWholeHeads(problem)) return byHead;
  const parts = Math.ceil(options.workers / byHead.length);
  return byHead.flatMap((t) => splitRows(t, parts, quantum));
}

/**
 * The most one tile may need: a worker's wasm heap is 32-bit (4 GiB at most, never shrinking)
 * and also holds the model, the feeds and the outputs. A job whose smallest tile needs more
 * is refused before it starts (tileProblem); one whose estimate fits but whose allocation
 * still fails in onnxruntime fails with a clear EngineError and its worker is restarted.
 */
export const MAX_TILE_BYTES = 3 * 2 ** 30;

/** Bytes the smallest tile of a problem (one head, one query row) needs: its intermediates and its feeds. */
export function minimalTileBytes(problem: AttentionProblem): number {
  const keys = Math.max(1, problem.k.rows);
  const feeds = 4 * (problem.k.rows * problem.k.cols + problem.v.rows * problem.v.cols);
  return keys * bytesPerCell(problem) + feeds;
}

/** Why a job cannot run in a worker's wasm heap even one row at a time, or null. */
export function tileProblem(problem: AttentionProblem, maxTileBytes = MAX_TILE_BYTES): string | null {
  const need = minimalTileBytes(problem);
  if (need <= maxTileBytes) return null;
  const gib = (n: number) => (n / 2 ** 30).toFixed(1);
  const m = problem.metric;
  const hidden = m.id === 'additive' ? ` × hidden width ${m.m}` : '';
  return `one query row of this job needs about ${gib(need)} GiB of working memory (${problem.k.rows} keys${hidden}), more than the ${gib(maxTileBytes)} GiB a compute worker's 32-bit wasm heap can give a tile: use fewer keys${hidden ? ' or a smaller hidden width' : ''}`;
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
