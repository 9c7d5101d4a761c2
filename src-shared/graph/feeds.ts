/**
 * Feeds: plain typed arrays (no onnxruntime import), sliced for one tile. A tile is a head
 * range [h0, h1) and a query-row range [r0, r1): q gets the tile's rows of its heads, k and
 * v every key of its heads, parameters the tile's heads.
 */
import type { Matrix } from '../linalg/matrix';
import type { PerHead } from '../job/problem';

export interface Tile {
  h0: number;
  h1: number;
  r0: number;
  r1: number;
}

export type FeedTensor =
  | { type: 'float32'; data: Float32Array; dims: number[] }
  | { type: 'int64'; data: BigInt64Array; dims: number[] }
  | { type: 'bool'; data: Uint8Array; dims: number[] }
  | { type: 'uint8'; data: Uint8Array; dims: number[] }
  | { type: 'int32'; data: Int32Array; dims: number[] };

/**
 * Rows [r0, r1) of heads [h0, h1) of a T × (H·w) matrix, as float32 [rows, (h1−h0)·w]: the
 * graph splits heads itself. A slice of every head is a zero-copy view (rows are contiguous).
 */
export function headSlice(m: Matrix, heads: number, h0: number, h1: number, r0: number, r1: number): FeedTensor {
  const w = m.cols / heads;
  const n = r1 - r0;
  const width = (h1 - h0) * w;
  if (width === m.cols) return { type: 'float32', data: m.data.subarray(r0 * m.cols, r1 * m.cols), dims: [n, width] };
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const from = (r0 + i) * m.cols + h0 * w;
    out.set(m.data.subarray(from, from + width), i * width);
  }
  return { type: 'float32', data: out, dims: [n, width] };
}

/** Heads [h0, h1) of a per-head float64 parameter, as float32 [h, ...shape]. */
export function packHeads(perHead: PerHead, shape: number[], tile: Tile): FeedTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array((tile.h1 - tile.h0) * size);
  for (let h = tile.h0; h < tile.h1; h++) {
    const p = perHead[h];
    if (!p || p.length !== size) throw new Error(`parameter of head ${h} has ${p?.length ?? 0} values, expected ${shape.join('×')} = ${size}`);
    out.set(p, (h - tile.h0) * size);
  }
  return { type: 'float32', data: out, dims: [tile.h1 - tile.h0, ...shape] };
}
