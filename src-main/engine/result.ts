/**
 * The full-size result arrays of a job: allocated once (on SharedArrayBuffers, so pool
 * workers write their tiles in place instead of posting copies), then finished with the
 * per-row quantities that need no T² work (normalised entropy, effective neighbours,
 * empty rows, means).
 */
import type { AttentionProblem, AttentionResult } from '../../src-shared/job/problem';
import { normalisedEntropy } from '../../src-shared/stats';

type Ctor<T> = { new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

function alloc<T>(ctor: Ctor<T>, length: number, shared: boolean): T {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  return new ctor(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes), 0, length);
}

/** Empty result arrays for a problem, sized as its outputs ask. */
export function allocateResult(problem: AttentionProblem, shared = true): AttentionResult {
  const H = problem.heads;
  const tq = problem.q.rows;
  const tk = problem.k.rows;
  const dv = problem.v.cols / H;
  const rows = H * tq;
  const wants = (k: string) => problem.outputs.includes(k as never);
  const result: AttentionResult = {
    heads: H,
    Tq: tq,
    Tk: tk,
    dv,
    entropy: alloc(Float32Array, rows, shared),
    normEntropy: alloc(Float32Array, rows, shared),
    effective: alloc(Float32Array, rows, shared),
    visible: alloc(Int32Array, rows, shared),
    argmax: alloc(Int32Array, rows, shared),
    maxWeight: alloc(Float32Array, rows, shared),
    emptyRows: [],
    meanEntropy: [],
    maxEntropy: Math.log(tk),
  };
  if (wants('scores')) result.scores = alloc(Float32Array, rows * tk, shared);
  if (wants('weights')) result.weights = alloc(Float32Array, rows * tk, shared);
  if (wants('output')) result.output = alloc(Float32Array, rows * dv, shared);
  if (wants('topk')) {
    result.topk = problem.topk;
    result.topkIndices = alloc(Int32Array, rows * problem.topk, shared);
    result.topkWeights = alloc(Float32Array, rows * problem.topk, shared);
  }
  if (problem.overview) {
    const br = Math.ceil(tq / problem.overview.rows);
    const bc = Math.ceil(tk / problem.overview.cols);
    const r = Math.ceil(tq / br);
    const c = Math.ceil(tk / bc);
    result.overview = { rows: r, cols: c, pool: problem.overview.pool, data: alloc(Float32Array, H * r * c, shared) };
  }
  return result;
}

/** Fill the derived per-row arrays once every tile has landed. */
export function finishResult(result: AttentionResult): AttentionResult {
  const { heads: H, Tq: tq } = result;
  result.emptyRows = [];
  result.meanEntropy = [];
  for (let h = 0; h < H; h++) {
    const empty: number[] = [];
    let sum = 0;
    for (let i = 0; i < tq; i++) {
      const r = h * tq + i;
      const n = result.visible[r];
      if (n === 0) {
        empty.push(i);
        result.entropy[r] = 0;
        result.normEntropy[r] = 0;
        result.effective[r] = 0;
        result.argmax[r] = -1;
        result.maxWeight[r] = 0;
        continue;
      }
      const ent = result.entropy[r];
      result.normEntropy[r] = normalisedEntropy(ent, n);
      result.effective[r] = Math.exp(ent);
      sum += ent;
    }
    result.emptyRows.push(empty);
    result.meanEntropy.push(tq - empty.length > 0 ? sum / (tq - empty.length) : 0);
  }
  return result;
}
