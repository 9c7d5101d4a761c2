/**
 * Which keys a tile needs. Causal and window masks block every key outside a band, so a
 * tile of rows [r0, r1) only has to score keys [k0, k1): for causal self-attention in row
 * tiles that skips most of the upper triangle (half the MatMul work and half of every pass
 * over scores), the way blocked attention kernels skip masked blocks. Keys outside the
 * range are blocked for every row of the tile, so nothing they would add is lost.
 *
 * With an overview, the range is widened to whole column blocks of bc keys so the pooled
 * columns line up. A tile always gets at least one key (blocked anyway if nothing is
 * visible), so the graph never sees an empty axis.
 */
import type { AttentionProblem } from '../job/problem';
import type { Tile } from './feeds';
import { overviewBlocks } from './outputs';

export interface KeyRange {
  k0: number;
  k1: number;
}

export function keyRange(problem: AttentionProblem, tile: Tile): KeyRange {
  const Tk = problem.k.rows;
  let k0 = 0;
  let k1 = Tk;
  for (const m of problem.masks) {
    if (m.id === 'causal') k1 = Math.min(k1, tile.r1 - 1 + m.offset + 1);
    if (m.id === 'window') {
      k0 = Math.max(k0, tile.r0 - m.size);
      k1 = Math.min(k1, tile.r1 - 1 + m.size + 1);
    }
  }
  const bc = overviewBlocks(problem)?.bc ?? 1;
  k0 = Math.floor(Math.max(0, Math.min(k0, Tk - 1)) / bc) * bc;
  k1 = Math.min(Tk, Math.ceil(Math.max(k1, k0 + 1) / bc) * bc);
  return { k0, k1 };
}
