/**
 * The full-size AttentionResult of a problem: allocated for the outputs it asks for, and
 * finished once every tile has landed (assemble.ts writes the tiles).
 *
 * An empty row is one the graph marks with argmax −1: no visible key, or (kernel) visible
 * scores summing to 0 — the latter still reports its visible count, as the reference does.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import { normalisedEntropy } from '../stats';
import { overviewBlocks, wantsTopk } from './outputs';
import type { BufferSupply, ResultBuffer } from './recycled-buffers';

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

export interface AllocateOptions {
  /** SharedArrayBuffers, for pool workers to write their tiles in place (no copies posted) */
  shared?: boolean;
  /** memory of released results to reuse before allocating afresh (recycled-buffers.ts) */
  buffers?: BufferSupply;
}

/**
 * Full-size, zeroed result arrays for the outputs the problem asks for: plain ArrayBuffers,
 * or SharedArrayBuffers when `shared`. Each array owns its whole buffer (resultBuffers).
 */
export function allocateResult(problem: AttentionProblem, options: AllocateOptions = {}): AttentionResult {
  const shared = options.shared ?? false;
  const alloc = <T>(ctor: Ctor<T>, length: number): T => {
    const bytes = length * ctor.BYTES_PER_ELEMENT;
    const buffer = options.buffers?.take(bytes, shared) ?? (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    return new ctor(buffer, 0, length);
  };
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
    entropy: alloc(Float32Array, rows),
    normEntropy: alloc(Float32Array, rows),
    effective: alloc(Float32Array, rows),
    visible: alloc(Int32Array, rows),
    argmax: alloc(Int32Array, rows),
    maxWeight: alloc(Float32Array, rows),
    emptyRows: [],
    meanEntropy: [],
    maxEntropy: Tk > 0 ? Math.log(Tk) : 0,
  };
  if (wants('scores')) result.scores = alloc(Float32Array, rows * Tk);
  if (wants('weights')) result.weights = alloc(Float32Array, rows * Tk);
  if (wants('output')) result.output = alloc(Float32Array, rows * dv);
  if (problem.normalizer === 'sinkhorn' && !problem.recurrence) result.columnSums = alloc(Float32Array, H * Tk);
  if (problem.recurrence) {
    result.rowScanError = alloc(Float64Array, rows);
    result.rowNotDistribution = alloc(Uint8Array, rows);
  }
  if (wantsTopk(problem)) {
    result.topk = problem.topk;
    result.topkIndices = alloc(Int32Array, rows * problem.topk);
    result.topkWeights = alloc(Float32Array, rows * problem.topk);
  }
  const o = overviewBlocks(problem);
  if (o && problem.overview) {
    const r = Math.ceil(Tq / o.br);
    const c = Math.ceil(Tk / o.bc);
    result.overview = { rows: r, cols: c, pool: o.pool, data: alloc(Float32Array, H * r * c) };
  }
  return result;
}

/** The buffers a result's arrays own (all of them, for a result from allocateResult). */
export function resultBuffers(result: AttentionResult): ResultBuffer[] {
  const arrays = [
    result.entropy,
    result.normEntropy,
    result.effective,
    result.visible,
    result.argmax,
    result.maxWeight,
    result.scores,
    result.weights,
    result.output,
    result.columnSums,
    result.rowScanError,
    result.rowNotDistribution,
    result.topkIndices,
    result.topkWeights,
    result.overview?.data,
  ];
  const out: ResultBuffer[] = [];
  for (const a of arrays) {
    // a view into a larger buffer is not the result's to give away
    if (a && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !out.includes(a.buffer)) out.push(a.buffer);
  }
  return out;
}

/**
 * The per-row quantities that need no T² work, once every tile is in: normalised entropy,
 * effective neighbours, empty rows and the per-head mean entropy (over non-empty rows).
 * Empty rows (argmax −1) get entropy family 0 whatever the tile said.
 */
export function finishResult(result: AttentionResult): AttentionResult {
  const { heads: H, Tq, Tk } = result;
  if (result.columnSums) {
    let deviation = 0;
    for (const sum of result.columnSums) deviation = Math.max(deviation, Math.abs(sum - Tq / Tk));
    result.columnDeviation = deviation;
  }
  if (result.rowScanError && result.rowNotDistribution) {
    result.scanError = new Float64Array(H);
    result.nonDistributionRows = new Int32Array(H);
    for (let r = 0; r < H * Tq; r++) {
      const h = Math.floor(r / Tq);
      const e = result.rowScanError[r];
      if (!(e <= result.scanError[h])) result.scanError[h] = e;
      result.nonDistributionRows[h] += result.rowNotDistribution[r];
    }
    result.distribution = result.nonDistributionRows.every((n) => n === 0);
  }
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
