/**
 * How the pool cuts a job: the graph's own tiling (src-shared/graph/plan.ts: rows bounded by
 * a memory budget, causal/window bands trimmed to their keys), spread so every worker has
 * something to do, plus the one size check that refuses a job before it starts.
 */
import type { AttentionProblem } from '../../src-shared/job/problem';
import { overviewBlocks, planGraphTiles, type Tile } from '../../src-shared/graph';

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
  if (byHead.length >= options.workers) return byHead;
  const parts = Math.ceil(options.workers / byHead.length);
  return byHead.flatMap((t) => splitRows(t, parts, quantum));
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
