/**
 * From tiles to an AttentionResult: what one run of the graph returns (TileResult, plain
 * typed arrays with dims), writing a tile into the full head-major arrays, and the per-row
 * quantities derived once every tile has landed. Pure: usable in the main thread, in pool
 * workers and in the renderer.
 *
 * An empty row is one the graph marks with argmax −1: no visible key, or (kernel) visible
 * scores summing to 0 — the latter still reports its visible count, as the reference does.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import { normalisedEntropy } from '../stats';
import type { Tile } from './feeds';
import { overviewBlocks, wantsTopk } from './outputs';
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
}

/** Full-size result arrays (plain ArrayBuffers) for the outputs the problem asks for. */
export function allocateResult(problem: AttentionProblem): AttentionResult {
  const H = problem.heads;
  const Tq = problem.q.rows;
  const Tk = problem.k.rows;
  const dv = problem.v.cols / H;
  const rows = H * Tq;
  const wants = (k: string) => problem.outputs.includes(k as never);
  const result: AttentionResult = {
    heads: H,
    Tq,
    Tk,
    dv,
    entropy: new Float32Array(rows),
    normEntropy: new Float32Array(rows),
    effective: new Float32Array(rows),
    visible: new Int32Array(rows),
    argmax: new Int32Array(rows),
    maxWeight: new Float32Array(rows),
    emptyRows: [],
    meanEntropy: [],
    maxEntropy: Tk > 0 ? Math.log(Tk) : 0,
  };
  if (wants('scores')) result.scores = new Float32Array(rows * Tk);
  if (wants('weights')) result.weights = new Float32Array(rows * Tk);
  if (wants('output')) result.output = new Float32Array(rows * dv);
  if (wantsTopk(problem)) {
    result.topk = problem.topk;
    result.topkIndices = new Int32Array(rows * problem.topk);
    result.topkWeights = new Float32Array(rows * problem.topk);
  }
  const o = overviewBlocks(problem);
  if (o && problem.overview) {
    const r = Math.ceil(Tq / o.br);
    const c = Math.ceil(Tk / o.bc);
    result.overview = { rows: r, cols: c, pool: o.pool, data: new Float32Array(H * r * c) };
  }
  return result;
}

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
  const rows = <T extends Float32Array | Int32Array>(dst: T | undefined, src: TileArray<T> | undefined, width: number) => {
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
  rows(result.visible, t.visible, 1);
  rows(result.argmax, { data: shift(t.argmax.data), dims: t.argmax.dims }, 1);
  rows(result.maxWeight, t.maxWeight, 1);
  keyRows(result.scores, t.scores, -Infinity);
  keyRows(result.weights, t.weights, null);
  rows(result.output, t.output, dv);
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

/**
 * The per-row quantities that need no T² work, once every tile is in: normalised entropy,
 * effective neighbours, empty rows and the per-head mean entropy (over non-empty rows).
 * Empty rows (argmax −1) get entropy family 0 whatever the tile said.
 */
export function finishResult(result: AttentionResult): AttentionResult {
  const { heads: H, Tq } = result;
  result.emptyRows = [];
  result.meanEntropy = [];
  for (let h = 0; h < H; h++) {
    const empty: number[] = [];
    let sum = 0;
    for (let i = 0; i < Tq; i++) {
      const r = h * Tq + i;
      if (result.argmax[r] < 0) {
        empty.push(i);
        result.entropy[r] = 0;
        result.normEntropy[r] = 0;
        result.effective[r] = 0;
        result.maxWeight[r] = 0;
        continue;
      }
      const ent = result.entropy[r];
      // finite inputs whose scores overflow float32 (the reference reports the same as an error)
      if (!Number.isFinite(ent)) throw new Error(`a score is not finite at head ${h}, row ${i}: the inputs or parameters overflow float32`);
      result.normEntropy[r] = normalisedEntropy(ent, result.visible[r]);
      result.effective[r] = Math.exp(ent);
      sum += ent;
    }
    result.emptyRows.push(empty);
    result.meanEntropy.push(Tq - empty.length > 0 ? sum / (Tq - empty.length) : 0);
  }
  return result;
}
