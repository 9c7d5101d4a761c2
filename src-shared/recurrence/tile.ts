/**
 * One tile of a recurrence problem, computed in plain TypeScript (float64, rounded to float32
 * on the way out) and returned in the graph's TileResult shape, so the job queue, the pool,
 * writeTile and finishResult treat it like any other tile. Per row of A (docs/semantics.md
 * "Recurrences"): entropy over |A_ij| / Σ_j |A_ij| (the plain entropy when the row is a
 * distribution), argmax = the first key of largest |A_ij|, maxWeight = A at that key, top-k
 * by |A_ij|, output = A·V, and the scan's output for the same rows, whose largest difference
 * is the tile's scan error.
 */
import type { AttentionProblem } from '../job/problem';
import type { Tile } from '../graph/feeds';
import { keyRange } from '../graph/keys';
import { overviewBlocks, wantsTopk } from '../graph/outputs';
import type { TileResult } from '../graph/tile-result';
import { topK } from '../stats';
import { headBlock } from './features';
import { implicitRows } from './rows';
import { weightedRows } from './kernels';
import { scanRows } from './scan';

/** A row of A counts as a distribution when its weights are ≥ 0 and sum to 1 within this. */
export const DISTRIBUTION_TOLERANCE = 1e-6;

export function recurrenceTile(problem: AttentionProblem, tile: Tile): TileResult {
  const H = problem.heads;
  const T = problem.k.rows;
  const dv = problem.v.cols / H;
  const nh = tile.h1 - tile.h0;
  const n = tile.r1 - tile.r0;
  const { k0, k1 } = keyRange(problem, tile);
  if (k0 !== 0) throw new Error(`a recurrence tile reads every key from 0, got keys from ${k0}`);
  const kt = k1 - k0;
  const wants = (o: string) => problem.outputs.includes(o as never);
  const k = wantsTopk(problem) ? problem.topk : 0;
  const kk = Math.min(k, kt);
  const blocks = overviewBlocks(problem);
  const ocols = blocks ? Math.ceil(kt / blocks.bc) : 0;
  const orows = blocks ? Math.ceil(n / blocks.br) : 0;

  const out = {
    keys: { k0, k1 },
    entropy: { data: new Float32Array(nh * n), dims: [nh, n] },
    visible: { data: new Int32Array(nh * n), dims: [nh, n] },
    argmax: { data: new Int32Array(nh * n), dims: [nh, n] },
    maxWeight: { data: new Float32Array(nh * n), dims: [nh, n] },
    ...(wants('scores') ? { scores: { data: new Float32Array(nh * n * kt), dims: [nh, n, kt] } } : {}),
    ...(wants('weights') ? { weights: { data: new Float32Array(nh * n * kt), dims: [nh, n, kt] } } : {}),
    ...(wants('output') ? { output: { data: new Float32Array(nh * n * dv), dims: [nh, n, dv] } } : {}),
    ...(k ? { topkWeights: { data: new Float32Array(nh * n * kk), dims: [nh, n, kk] }, topkIndices: { data: new Int32Array(nh * n * kk).fill(-1), dims: [nh, n, kk] } } : {}),
    ...(blocks ? { overview: { data: new Float32Array(nh * orows * ocols), dims: [nh, orows, ocols] } } : {}),
    scanError: { data: new Float64Array(nh * n), dims: [nh, n] },
    notDistribution: { data: new Uint8Array(nh * n), dims: [nh, n] },
  } satisfies TileResult;

  const abs = new Float64Array(kt);
  const visible = new Uint8Array(kt);
  const av = new Float64Array(dv);
  // the overview's block of rows being pooled: sums (mean) or maxima (max) per column block
  const pooled = new Float64Array(ocols);
  for (let h = tile.h0; h < tile.h1; h++) {
    const hh = h - tile.h0;
    const v = headBlock(problem.v, h, dv, 0, Math.min(T, k1));
    const scan = scanRows(problem, h, tile.r0, tile.r1);
    let blockRow = -1;
    const flushBlock = () => {
      if (!blocks || blockRow < 0) return;
      const rowsIn = Math.min(blocks.br, problem.q.rows - (tile.r0 + blockRow * blocks.br));
      for (let c = 0; c < ocols; c++) {
        const cells = rowsIn * (Math.min((c + 1) * blocks.bc, T) - c * blocks.bc);
        out.overview!.data[(hh * orows + blockRow) * ocols + c] = blocks.pool === 'mean' ? pooled[c] / cells : pooled[c];
      }
    };
    implicitRows(problem, h, tile.r0, tile.r1, (i, row, empty) => {
      const r = i - tile.r0;
      const at = hh * n + r;
      const width = i + 1;
      out.visible.data[at] = width;
      // A·V and the scan's output for this row
      weightedRows(row, width, v, dv, av);
      let err = 0;
      for (let c = 0; c < dv; c++) {
        const e = Math.abs(av[c] - scan.output[r * dv + c]);
        if (!(e <= err)) err = e;
      }
      out.scanError.data[at] = err;
      if (out.output) for (let c = 0; c < dv; c++) out.output.data[at * dv + c] = av[c];
      if (out.weights) out.weights.data.set(row.subarray(0, width), at * kt);
      if (out.scores) {
        out.scores.data.set(row.subarray(0, width), at * kt);
        out.scores.data.fill(-Infinity, at * kt + width, (at + 1) * kt);
      }
      if (blocks) {
        const b = Math.floor(r / blocks.br);
        if (b !== blockRow) {
          flushBlock();
          blockRow = b;
          pooled.fill(blocks.pool === 'mean' ? 0 : -Infinity);
        }
        for (let c = 0; c < ocols; c++) {
          const j0 = c * blocks.bc;
          const j1 = Math.min((c + 1) * blocks.bc, kt);
          let acc = pooled[c];
          for (let j = j0; j < j1; j++) {
            // keys past i are blocked: weight 0, counted in the mean and in the max
            const w = j < width ? row[j] : 0;
            acc = blocks.pool === 'mean' ? acc + w : Math.max(acc, w);
          }
          pooled[c] = acc;
        }
      }
      if (empty) {
        out.argmax.data[at] = -1;
        return;
      }
      let total = 0;
      let sum = 0;
      let best = 0;
      let negative = false;
      for (let j = 0; j < width; j++) {
        const a = row[j];
        const m = Math.abs(a);
        total += m;
        sum += a;
        if (a < 0) negative = true;
        if (m > Math.abs(row[best])) best = j;
      }
      if (negative || Math.abs(sum - 1) > DISTRIBUTION_TOLERANCE) out.notDistribution.data[at] = 1;
      let entropy = 0;
      if (total > 0) {
        for (let j = 0; j < width; j++) {
          const p = Math.abs(row[j]) / total;
          if (p > 0) entropy -= p * Math.log(p);
        }
      }
      out.entropy.data[at] = entropy;
      out.argmax.data[at] = best;
      out.maxWeight.data[at] = row[best];
      if (k) {
        for (let j = 0; j < kt; j++) {
          abs[j] = j < width ? Math.abs(row[j]) : 0;
          visible[j] = j < width ? 1 : 0;
        }
        const top = topK(abs, kk, visible);
        for (let x = 0; x < kk; x++) {
          out.topkIndices!.data[at * kk + x] = top.indices[x];
          out.topkWeights!.data[at * kk + x] = top.indices[x] >= 0 ? row[top.indices[x]] : 0;
        }
      }
    });
    flushBlock();
  }
  return out;
}
