/**
 * Problems for the graph tests, built directly as AttentionProblem objects (per-head
 * parameters from src-shared/random.ts), and the comparison against the float64 reference
 * at SPEC §5 tolerances.
 */
import { expect } from 'vitest';
import type {
  AttentionProblem,
  AttentionResult,
  MetricId,
  NormalizerId,
  NormalizerParams,
  OutputKind,
  OverviewRequest,
  ResolvedMask,
  ResolvedMetric,
} from '../../src-shared/job/problem';
import { matrix, type Matrix } from '../../src-shared/linalg/matrix';
import { MASK_IDS, NORMALIZER_IDS, SCORE_IDS } from '../../src-shared/metrics/catalogue';
import { Rng, gaussianMatrix } from '../../src-shared/random';
import { referenceAttention, type ReferenceResult } from '../../src-shared/reference';

/** every score function of the catalogue, in its order */
export const METRICS = SCORE_IDS as MetricId[];
export type MaskName = ResolvedMask['id'];
/** every mask of the catalogue that masks something ('none' is the empty stack) */
export const MASKS = MASK_IDS.filter((id) => id !== 'none') as MaskName[];
/** every normaliser of the catalogue */
export const NORMALIZERS = NORMALIZER_IDS as NormalizerId[];
export const ALL_OUTPUTS: OutputKind[] = ['scores', 'weights', 'output', 'entropy', 'argmax', 'topk', 'overview'];

export interface Shape {
  heads: number;
  Tq: number;
  Tk: number;
  /** per-head widths */
  dq: number;
  dk: number;
  dv: number;
}

/** Uniform values in [−lo, hi] as float32 (the lab's input precision). */
export function uniformMatrix(seed: number, label: string, rows: number, cols: number, range = 3): Matrix {
  const rng = new Rng(seed, label);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * range;
  return matrix(rows, cols, data);
}

const perHead = (seed: number, label: string, heads: number, rows: number, cols: number, std: number) =>
  Array.from({ length: heads }, (_, h) => gaussianMatrix(seed, `${label}/head${h}`, rows, cols, std));

/** A PSD M per head: AᵀA/d + 0.1·I. */
function psd(seed: number, heads: number, d: number): Float64Array[] {
  return perHead(seed, 'M', heads, d, d, 1).map((A) => {
    const M = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += A[r * d + i] * A[r * d + j];
        M[i * d + j] = s / d + (i === j ? 0.1 : 0);
      }
    }
    return M;
  });
}

/** A metric with fixed scalars (so sessions are shared across runs) and seeded per-head parameters. */
export function makeMetric(id: MetricId, s: Shape, seed: number, overrides: Partial<Record<string, number>> = {}): ResolvedMetric {
  const { heads, dq, dk } = s;
  const tau = overrides.tau ?? 0.7;
  switch (id) {
    case 'dot':
      return { id, c: overrides.c ?? 1 / Math.sqrt(dq) };
    case 'cosine':
      return { id, tau };
    case 'rbf':
      return { id, tau: overrides.tau ?? 1.5 };
    case 'laplacian':
      return { id, tau: overrides.tau ?? 2 };
    case 'euclidean':
      return { id, tau };
    case 'mahalanobis':
      return { id, tau: overrides.tau ?? 1.5, M: psd(seed, heads, dq) };
    case 'polynomial':
      return { id, a: 1 / dq, r: overrides.r ?? 1, p: overrides.p ?? 3, tau };
    case 'bilinear':
      return { id, tau, W: perHead(seed, 'bilinear/W', heads, dq, dk, 1 / Math.sqrt(dq)) };
    case 'additive': {
      const m = 5;
      return {
        id,
        tau,
        m,
        Aq: perHead(seed, 'Aq', heads, m, dq, 1 / Math.sqrt(dq)),
        Ak: perHead(seed, 'Ak', heads, m, dk, 1 / Math.sqrt(dk)),
        v: perHead(seed, 'v', heads, 1, m, 1 / Math.sqrt(m)),
      };
    }
    case 'ranknet': {
      const m = 4;
      return {
        id,
        tau,
        m,
        W: perHead(seed, 'ranknet/W', heads, m, 3 * dq, 1 / Math.sqrt(3 * dq)),
        b: perHead(seed, 'ranknet/b', heads, 1, m, 1),
        u: perHead(seed, 'ranknet/u', heads, 1, m, 1 / Math.sqrt(m)),
      };
    }
    case 'gat':
      return { id, tau, slope: 0.2, aq: perHead(seed, 'aq', heads, 1, dq, 1), ak: perHead(seed, 'ak', heads, 1, dk, 1) };
    case 'hamming':
      return { id, tau, bits: 8, R: perHead(seed, 'hamming/R', heads, 8, dq, 1) };
  }
}

/**
 * The metric a test runs under `normalizer`: `metric` itself, except under kernel, which needs
 * non-negative scores: the polynomial kernel with an even power (p = 2) gives them.
 */
export function metricUnder(normalizer: NormalizerId, metric: MetricId, s: Shape, seed: number): MetricId | ResolvedMetric {
  return normalizer === 'kernel' ? makeMetric('polynomial', s, seed, { p: 2 }) : metric;
}

/** A mask with parameters that leave some rows empty now and then. */
export function makeMask(id: MaskName, s: Shape, seed: number): ResolvedMask {
  const rng = new Rng(seed, `mask/${id}`);
  const { Tq, Tk } = s;
  const bits = (n: number, p: number) => Uint8Array.from({ length: n }, () => (rng.uniform() < p ? 1 : 0));
  switch (id) {
    case 'causal':
      return { id, offset: Tk - Tq };
    case 'padding':
      return { id, keep: bits(Tk, 0.7) };
    case 'window':
      return { id, size: 2 };
    case 'dilated':
      return { id, stride: 3 };
    case 'segments': {
      const ids = (n: number) => Int32Array.from({ length: n }, (_, i) => Math.floor(i / 4) + (rng.uniform() < 0.1 ? 7 : 0));
      return { id, queryIds: ids(Tq), keyIds: ids(Tk) };
    }
    case 'buckets':
      return { id, bits: 2, R: perHead(seed, 'buckets/R', s.heads, 2, s.dq, 1) };
    case 'graph':
      return { id, allowed: bits(Tq * Tk, 0.3) };
    case 'custom':
      return { id, allowed: bits(Tq * Tk, 0.5) };
    case 'topk':
      return { id, k: 3 };
  }
}

export interface ProblemOptions {
  shape: Shape;
  metric: MetricId | ResolvedMetric;
  masks?: (MaskName | ResolvedMask)[];
  normalizer?: NormalizerId;
  /** rank's τ, sinkhorn's iterations (default 0.8 and 12) */
  normalizerParams?: NormalizerParams;
  outputs?: OutputKind[];
  topk?: number;
  overview?: OverviewRequest;
  seed?: number;
  /** as resolve does for `transpose`: queries and keys swap places, values follow the original queries */
  transposed?: boolean;
  range?: number;
}

export function makeProblem(o: ProblemOptions): AttentionProblem {
  const seed = o.seed ?? 1;
  let s = o.shape;
  const range = o.range ?? 3;
  let q = uniformMatrix(seed, 'q', s.Tq, s.heads * s.dq, range);
  let k = uniformMatrix(seed, 'k', s.Tk, s.heads * s.dk, range);
  if (o.transposed) {
    [q, k] = [k, q];
    s = { ...s, Tq: s.Tk, Tk: s.Tq, dq: s.dk, dk: s.dq };
  }
  const v = uniformMatrix(seed, 'v', s.Tk, s.heads * s.dv, range);
  const metric = typeof o.metric === 'string' ? makeMetric(o.metric, s, seed) : o.metric;
  const masks = (o.masks ?? []).map((m) => (typeof m === 'string' ? makeMask(m, s, seed) : m));
  return {
    heads: s.heads,
    q,
    k,
    v,
    metric,
    masks,
    normalizer: o.normalizer ?? 'softmax',
    normalizerParams: o.normalizerParams ?? { tau: 0.8, iterations: 12 },
    outputs: o.outputs ?? ALL_OUTPUTS,
    topk: o.topk ?? 4,
    overview: o.overview,
    tokens: { queries: null, keys: null },
  };
}

/** Self-attention (k = q) as a square problem: exact zero distances on the diagonal. */
export function selfAttention(p: AttentionProblem): AttentionProblem {
  return { ...p, k: p.q, v: matrix(p.q.rows, p.v.cols, p.v.data.subarray(0, p.q.rows * p.v.cols).slice()) };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** The largest |a − b| over finite pairs, and whether the non-finite entries agree. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, scale: (i: number) => number = () => 1): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (a[i] !== b[i]) return Infinity;
      continue;
    }
    w = Math.max(w, Math.abs(a[i] - b[i]) / scale(i));
  }
  return w;
}

export function expectNoNaN(r: AttentionResult): void {
  for (const [name, a] of Object.entries(r)) {
    if (!ArrayBuffer.isView(a) || a instanceof DataView) continue;
    const arr = a as unknown as ArrayLike<number>;
    for (let i = 0; i < arr.length; i++) if (Number.isNaN(arr[i])) throw new Error(`${name}[${i}] is NaN`);
  }
  if (r.overview) for (const x of r.overview.data) expect(Number.isNaN(x)).toBe(false);
}

/** Engine vs reference at SPEC §5 tolerances (plus sensible ones for what §5 does not cover). */
export function expectMatchesReference(p: AttentionProblem, got: AttentionResult, ref: ReferenceResult = referenceAttention(p)): void {
  const where = `${p.metric.id} [${p.masks.map((m) => m.id)}] ${p.normalizer} H=${p.heads} Tq=${p.q.rows} Tk=${p.k.rows}`;
  const check = (name: string, value: number, limit: number) => {
    if (!(value <= limit)) throw new Error(`${where}: ${name} off by ${value} (limit ${limit})`);
  };
  expectNoNaN(got);
  expect(got.visible, where).toEqual(ref.visible);
  expect(got.emptyRows, where).toEqual(ref.emptyRows);
  let maxScore = 1;
  for (const s of ref.scores) if (Number.isFinite(s)) maxScore = Math.max(maxScore, Math.abs(s));
  // a row-wise normaliser saturates where scores are large (weights near 0 or 1, insensitive
  // to the scores' float32 rounding); sinkhorn's balancing keeps weights spread, so they move
  // with that rounding, a few ulps of the largest score (3.6e-5 measured at |s| ≈ 500)
  const weightLimit = p.normalizer === 'sinkhorn' ? 1e-5 + 2e-7 * maxScore : 1e-5;
  if (got.weights) check('weights', worst(got.weights, ref.weights), weightLimit);
  if (got.output) check('output', worst(got.output, ref.output), 1e-4 * Math.max(1, maxAbs(p.v.data)));
  // softmax entropy is m + ln Z − Σ w·s: float32 leaves a few ulps of the largest score
  const entropyLimit = 1e-4 + 1e-6 * maxScore;
  check('entropy', worst(got.entropy, ref.entropy), entropyLimit);
  // H / ln n and exp(H) (relative) inherit H's absolute error
  check('normEntropy', worst(got.normEntropy, ref.normEntropy), entropyLimit);
  check(
    'effective',
    worst(got.effective, ref.effective, (i) => Math.max(1, ref.effective[i])),
    entropyLimit,
  );
  check('maxWeight', worst(got.maxWeight, ref.maxWeight), weightLimit);
  check('meanEntropy', worst(got.meanEntropy, ref.meanEntropy), entropyLimit);
  expect(got.maxEntropy).toBeCloseTo(ref.maxEntropy, 6);
  // sinkhorn: max |column sum − Tq/Tk| (absent for the row-wise normalisers, in both)
  if (ref.columnDeviation !== undefined || got.columnDeviation !== undefined)
    check('columnDeviation', Math.abs((got.columnDeviation ?? NaN) - (ref.columnDeviation ?? NaN)), weightLimit * Math.max(1, p.q.rows));
  if (got.scores)
    check(
      'scores (relative)',
      worst(got.scores, ref.scores, (i) => Math.max(1, Math.abs(ref.scores[i]))),
      1e-4,
    );
  // argmax: equal, or a reference near-tie (float32 may order two weights within 1e-6 differently)
  const Tk = p.k.rows;
  for (let r = 0; r < ref.argmax.length; r++) {
    const a = got.argmax[r];
    const b = ref.argmax[r];
    if (a === b) continue;
    if (a < 0 || b < 0) throw new Error(`${where}: argmax row ${r}: ${a} vs ${b}`);
    check(`argmax row ${r} (${a} vs ${b}) weight gap`, ref.weights[r * Tk + b] - ref.weights[r * Tk + a], 1e-6);
  }
  if (got.topkIndices && ref.topkIndices && got.topkWeights && ref.topkWeights) {
    check('topk weights', worst(got.topkWeights, ref.topkWeights), weightLimit);
    const k = ref.topk!;
    for (let x = 0; x < ref.topkIndices.length; x++) {
      const a = got.topkIndices[x];
      const b = ref.topkIndices[x];
      if (a === b) continue;
      if (a < 0 || b < 0) throw new Error(`${where}: topk slot ${x}: ${a} vs ${b}`);
      const row = Math.floor(x / k);
      check(`topk slot ${x} (${a} vs ${b}) tie`, Math.abs(ref.weights[row * Tk + a] - ref.weights[row * Tk + b]), weightLimit);
    }
  }
  if (got.overview && ref.overview) {
    expect([got.overview.rows, got.overview.cols]).toEqual([ref.overview.rows, ref.overview.cols]);
    check('overview', worst(got.overview.data, ref.overview.data), weightLimit);
  }
}
