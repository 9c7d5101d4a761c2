/**
 * Writing one tile's outputs into the full-size head-major result arrays, and the kernel
 * normaliser's negative-score error. Pure: used in pool workers and in the main thread.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { Tile } from './feeds';
import { overviewBlocks } from './outputs';
import type { TileArray, TileResult } from './tile-result';

/** The reference's wording (src-shared/reference/normalizers.ts), so both engines say the same. */
export function kernelNegativeMessage(head: number, row: number, column: number, score: number): string {
  return (
    `the kernel normaliser needs non-negative scores, but head ${head}, row ${row}, ` +
    `column ${column} has score ${score} (use a non-negative score such as a polynomial with even p, or softmax)`
  );
}

/** The first (head-major, then row) visible negative score of a kernel tile, or null. */
export function firstNegative(tile: Tile, t: TileResult): { head: number; row: number; column: number; score: number } | null {
  if (!t.negCol || !t.negScore) return null;
  const n = tile.r1 - tile.r0;
  for (let r = 0; r < t.negCol.data.length; r++) {
    const column = t.negCol.data[r];
    if (column >= 0) return { head: tile.h0 + Math.floor(r / n), row: tile.r0 + (r % n), column: column + t.keys.k0, score: t.negScore.data[r] };
  }
  return null;
}

/**
 * Writes a tile into the full-size head-major arrays of `result`, which must start zeroed
 * (as allocateResult's do: weights outside the tile's keys are not written). For a kernel problem, a
 * visible negative score in the tile is the error docs/semantics.md asks for (thrown after
 * the tile is written, naming the tile's first one).
 */
export function assembleTile(result: AttentionResult, problem: AttentionProblem, tile: Tile, t: TileResult): void {
  writeTile(result, problem, tile, t);
  const neg = firstNegative(tile, t);
  if (neg) throw new Error(kernelNegativeMessage(neg.head, neg.row, neg.column, neg.score));
}

/** assembleTile without the kernel check (the caller decides which negative to name). */
export function writeTile(result: AttentionResult, problem: AttentionProblem, tile: Tile, t: TileResult): void {
  const { Tq, Tk, dv } = result;
  const n = tile.r1 - tile.r0;
  const { k0, k1 } = t.keys;
  const kt = k1 - k0;
  // `width` values per tile row, heads × rows, into an H×Tq×width array
  const rows = <T extends Float32Array | Int32Array | Float64Array | Uint8Array>(dst: T | undefined, src: TileArray<T> | undefined, width: number) => {
    if (!dst || !src) return;
    for (let h = tile.h0; h < tile.h1; h++) {
      const from = (h - tile.h0) * n * width;
      dst.set(src.data.subarray(from, from + n * width), (h * Tq + tile.r0) * width);
    }
  };
  // key-axis rows: the tile's keys in place, every other key blocked. `outside` null leaves
  // them as they are: weights arrays start zeroed (allocateResult), and a blocked weight is 0,
  // so skipping that fill saves a pass over the masked half of a causal result
  const keyRows = (dst: Float32Array | undefined, src: TileArray<Float32Array> | undefined, outside: number | null) => {
    if (!dst || !src) return;
    for (let h = tile.h0; h < tile.h1; h++) {
      for (let i = 0; i < n; i++) {
        const at = (h * Tq + tile.r0 + i) * Tk;
        if (k0 > 0 && outside !== null) dst.fill(outside, at, at + k0);
        const from = ((h - tile.h0) * n + i) * kt;
        dst.set(src.data.subarray(from, from + kt), at + k0);
        if (k1 < Tk && outside !== null) dst.fill(outside, at + k1, at + Tk);
      }
    }
  };
  // key indices count from k0 in the tile; −1 (none) stays −1
  const shift = (a: Int32Array) => {
    if (k0 === 0) return a;
    const out = a.slice();
    for (let x = 0; x < out.length; x++) if (out[x] >= 0) out[x] += k0;
    return out;
  };
  rows(result.entropy, t.entropy, 1);
  // per row, so tiles of one head written by different workers never touch the same entry
  rows(result.rowScanError, t.scanError, 1);
  rows(result.rowNotDistribution, t.notDistribution, 1);
  rows(result.visible, t.visible, 1);
  rows(result.argmax, { data: shift(t.argmax.data), dims: t.argmax.dims }, 1);
  rows(result.maxWeight, t.maxWeight, 1);
  keyRows(result.scores, t.scores, -Infinity);
  keyRows(result.weights, t.weights, null);
  rows(result.output, t.output, dv);
  if (result.columnSums && t.columnSums) {
    // a sinkhorn tile holds every row of its heads, so its column sums are complete
    for (let h = tile.h0; h < tile.h1; h++) result.columnSums.set(t.columnSums.data.subarray((h - tile.h0) * kt, (h - tile.h0 + 1) * kt), h * Tk + k0);
  }
  if (result.topk && result.topkIndices && result.topkWeights && t.topkIndices && t.topkWeights) {
    const k = result.topk;
    const kk = t.topkIndices.dims[2];
    const indices = shift(t.topkIndices.data);
    for (let h = tile.h0; h < tile.h1; h++) {
      for (let i = 0; i < n; i++) {
        const src = ((h - tile.h0) * n + i) * kk;
        const dst = (h * Tq + tile.r0 + i) * k;
        for (let r = 0; r < k; r++) {
          result.topkIndices[dst + r] = r < kk ? indices[src + r] : -1;
          result.topkWeights[dst + r] = r < kk ? t.topkWeights.data[src + r] : 0;
        }
      }
    }
  }
  if (result.overview && t.overview) {
    const o = overviewBlocks(problem)!;
    if (tile.r0 % o.br !== 0 || (tile.r1 % o.br !== 0 && tile.r1 !== Tq)) {
      throw new Error(`overview tiles must start and end on blocks of ${o.br} rows; got rows [${tile.r0}, ${tile.r1})`);
    }
    const { rows: R, cols: C, data } = result.overview;
    const [, tr, tc] = t.overview.dims;
    const c0 = k0 / o.bc;
    for (let h = tile.h0; h < tile.h1; h++) {
      for (let r = 0; r < tr; r++) {
        const at = (h * R + tile.r0 / o.br + r) * C;
        // blocks outside the tile's keys hold only blocked cells: weight 0 for mean and max alike
        data.fill(0, at, at + C);
        data.set(t.overview.data.subarray(((h - tile.h0) * tr + r) * tc, ((h - tile.h0) * tr + r + 1) * tc), at + c0);
      }
    }
  }
}
