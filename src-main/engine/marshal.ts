/**
 * Typed arrays in and out of SharedArrayBuffers, written once for the engine and the service:
 * - onto shared memory, so posting a problem to every pool worker shares it instead of
 *   cloning it (cloning 50 MB costs ~0.5 s; sharing costs nothing);
 * - off shared memory, so structured clone can post a problem to the compute page or a
 *   result over IPC (a SharedArrayBuffer cannot leave its process).
 */
import type { AttentionProblem, AttentionResult, ResolvedMask } from '../../src-shared/job/problem';
import type { Matrix } from '../../src-shared/linalg/matrix';

type Typed = Float32Array | Float64Array | Uint8Array | Int32Array;

/** The same numbers on a SharedArrayBuffer (the array itself when it already is). */
export function sharedCopy<T extends Typed>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const ctor = a.constructor as { new (b: SharedArrayBuffer): T };
  const out = new ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The same numbers on an ordinary ArrayBuffer (the array itself when it already is). */
export function portableCopy<T extends Typed>(a: T): T {
  return a.buffer instanceof SharedArrayBuffer ? (a.slice() as T) : a;
}

/** The problem with `copy` applied to its big arrays (embeddings and mask data). */
function mapProblemArrays(p: AttentionProblem, copy: <T extends Typed>(a: T) => T): AttentionProblem {
  const matrix = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, data: copy(m.data) });
  const mask = (m: ResolvedMask): ResolvedMask => {
    switch (m.id) {
      case 'graph':
      case 'custom':
        return { ...m, allowed: copy(m.allowed) };
      case 'segments':
        return { ...m, queryIds: copy(m.queryIds), keyIds: copy(m.keyIds) };
      case 'padding':
        return { ...m, keep: copy(m.keep) };
      default:
        return m;
    }
  };
  return { ...p, q: matrix(p.q), k: matrix(p.k), v: matrix(p.v), masks: p.masks.map(mask) };
}

/** A problem whose big arrays live on SharedArrayBuffers (for the pool's workers). */
export function shareProblem(p: AttentionProblem): AttentionProblem {
  return mapProblemArrays(p, sharedCopy);
}

/** A problem whose arrays can be posted to another process (no SharedArrayBuffers). */
export function portableProblem(p: AttentionProblem): AttentionProblem {
  return mapProblemArrays(p, portableCopy);
}

/**
 * A result that can be posted to another process: its arrays off shared memory, its lists
 * copied, and only the AttentionResult's own fields (no backend or timing).
 */
export function portableResult(r: AttentionResult): AttentionResult {
  const copy = portableCopy;
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
  // the per-row recurrence arrays stay behind: their per-head summaries are what is shown
  if (r.scanError) out.scanError = copy(r.scanError);
  if (r.nonDistributionRows) out.nonDistributionRows = copy(r.nonDistributionRows);
  if (r.distribution !== undefined) out.distribution = r.distribution;
  if (r.modelDivergence) out.modelDivergence = [...r.modelDivergence];
  return out;
}

/** Any tree of plain objects and arrays with every typed array in it off shared memory (experiment results). */
export function portableTree<T>(x: T): T {
  if (ArrayBuffer.isView(x)) return (x instanceof DataView ? x : portableCopy(x as unknown as Typed)) as T;
  if (Array.isArray(x)) return x.map(portableTree) as T;
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, portableTree(v)])) as T;
  return x;
}
