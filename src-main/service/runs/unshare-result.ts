/** Copies of results for hosts that cannot share memory with the engine (IPC, structured clone). */
import type { AttentionResult } from '../../../src-shared/job/problem';

/** A plain (non-shared) copy of a result, so it can cross IPC or be structured-cloned anywhere. */
export function unshareResult(r: AttentionResult): AttentionResult {
  const copy = <T extends Float32Array | Int32Array>(a: T): T => (a.buffer instanceof SharedArrayBuffer ? (a.slice() as T) : a);
  const out: AttentionResult = {
    heads: r.heads,
    Tq: r.Tq,
    Tk: r.Tk,
    dv: r.dv,
    entropy: copy(r.entropy),
    normEntropy: copy(r.normEntropy),
    effective: copy(r.effective),
    visible: copy(r.visible),
    argmax: copy(r.argmax),
    maxWeight: copy(r.maxWeight),
    emptyRows: r.emptyRows.map((rows) => [...rows]),
    meanEntropy: [...r.meanEntropy],
    maxEntropy: r.maxEntropy,
  };
  if (r.scores) out.scores = copy(r.scores);
  if (r.weights) out.weights = copy(r.weights);
  if (r.output) out.output = copy(r.output);
  if (r.topkIndices) out.topkIndices = copy(r.topkIndices);
  if (r.topkWeights) out.topkWeights = copy(r.topkWeights);
  if (r.topk !== undefined) out.topk = r.topk;
  if (r.overview) out.overview = { ...r.overview, data: copy(r.overview.data) };
  if (r.columnSums) out.columnSums = copy(r.columnSums);
  if (r.columnDeviation !== undefined) out.columnDeviation = r.columnDeviation;
  return out;
}
