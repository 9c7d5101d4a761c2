/**
 * What one run of the graph returns: plain typed arrays with their dims (structured-clone
 * friendly, no onnxruntime types), so a pool worker can hand it on or write it in place.
 */
import type { KeyRange } from './keys';

export interface TileArray<T> {
  data: T;
  dims: number[];
}

/**
 * One run's outputs; per-row arrays are [h, n], matrices [h, n, ·]. Key-axis arrays cover
 * only the tile's keys [k0, k1) (keys.ts), and key indices (argmax, topk, negCol) count from
 * k0; writeTile puts them in place.
 */
export interface TileResult {
  keys: KeyRange;
  entropy: TileArray<Float32Array>;
  visible: TileArray<Int32Array>;
  argmax: TileArray<Int32Array>;
  maxWeight: TileArray<Float32Array>;
  scores?: TileArray<Float32Array>;
  weights?: TileArray<Float32Array>;
  output?: TileArray<Float32Array>;
  /** [h, n, min(k, Tk)]: assembleTile pads to k with −1 / 0 */
  topkWeights?: TileArray<Float32Array>;
  topkIndices?: TileArray<Int32Array>;
  /** [h, ⌈n/br⌉, ⌈Tk/bc⌉] */
  overview?: TileArray<Float32Array>;
  /** kernel only: per row, the first visible negative score's column (−1 if none) and that score */
  negCol?: TileArray<Int32Array>;
  negScore?: TileArray<Float32Array>;
  /** sinkhorn only: [h, tile keys], the column sums over every row of the head */
  columnSums?: TileArray<Float32Array>;
  /** recurrences only, [h, n]: each row's max |scan output − A·V| */
  scanError?: TileArray<Float64Array>;
  /** recurrences only, [h, n]: 1 where the row of A is not a distribution (0 for an empty row) */
  notDistribution?: TileArray<Uint8Array>;
}
