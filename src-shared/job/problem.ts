/**
 * The resolved attention problem: what the engine and the float64 reference both compute.
 * A JobSpec (what the user asked for) becomes an AttentionProblem (numbers only) in
 * `resolve.ts`: sources loaded, projections applied, transpose applied by swapping the
 * query and key matrices, every parameter defaulted, every random matrix generated.
 * Nothing downstream of this type reads files, seeds or defaults.
 */
import type { Matrix } from '../linalg/matrix';

export type NormalizerId = 'softmax' | 'kernel' | 'sparsemax' | 'rank' | 'sinkhorn';

/**
 * The parameters of the normalisers that take some (rank's τ, sinkhorn's iterations). The
 * resolver always fills them from the catalogue's defaults; a problem built by hand for
 * rank or sinkhorn must give the one its normaliser reads (normalizerParam says which).
 */
export interface NormalizerParams {
  tau?: number;
  iterations?: number;
}

/** The parameter `name` of the problem's normaliser; throws naming the field when absent. */
export function normalizerParam(problem: { normalizer: NormalizerId; normalizerParams?: NormalizerParams }, name: keyof NormalizerParams): number {
  const value = problem.normalizerParams?.[name];
  if (value === undefined) throw new Error(`normalizer.${name}: the ${problem.normalizer} normaliser needs it`);
  return value;
}
export type PoolKind = 'mean' | 'max';

/** Per-head parameter matrices are row-major float64 arrays, one entry per head. */
export type PerHead = Float64Array[];

export type ResolvedMetric =
  | { id: 'dot'; c: number }
  | { id: 'cosine'; tau: number }
  | { id: 'rbf'; tau: number }
  | { id: 'laplacian'; tau: number }
  | { id: 'euclidean'; tau: number }
  /** M: dh×dh symmetric PSD per head (already checked). */
  | { id: 'mahalanobis'; tau: number; M: PerHead }
  | { id: 'polynomial'; a: number; r: number; p: number; tau: number }
  /** W: dqh×dkh per head. */
  | { id: 'bilinear'; tau: number; W: PerHead }
  /** W: m×3d ([q; k; q⊙k] columns), b: m, u: m, per head (RankNet-style pairwise scorer). */
  | { id: 'ranknet'; tau: number; m: number; W: PerHead; b: PerHead; u: PerHead }
  /** Aq: m×dqh, Ak: m×dkh, v: m, per head. */
  | { id: 'additive'; tau: number; m: number; Aq: PerHead; Ak: PerHead; v: PerHead }
  /** aq: dqh, ak: dkh per head; LeakyReLU slope 0.2. */
  | { id: 'gat'; tau: number; slope: number; aq: PerHead; ak: PerHead }
  /** R: bits×dh per head. */
  | { id: 'hamming'; tau: number; bits: number; R: PerHead };

export type MetricId = ResolvedMetric['id'];

export type ResolvedMask =
  /** visible iff j ≤ i + offset */
  | { id: 'causal'; offset: number }
  /** keep[j] = 1 iff key j is not padding (length Tk) */
  | { id: 'padding'; keep: Uint8Array }
  /** visible iff |i − j| ≤ size */
  | { id: 'window'; size: number }
  /** visible iff (i − j) mod stride = 0 */
  | { id: 'dilated'; stride: number }
  /** visible iff queryIds[i] = keyIds[j] */
  | { id: 'segments'; queryIds: Int32Array; keyIds: Int32Array }
  /** visible iff sign(R q_i) = sign(R k_j) on all bits; R: bits×dh per head */
  | { id: 'buckets'; bits: number; R: PerHead }
  /** Tq×Tk 0/1, row-major (graph adjacency or custom matrix) */
  | { id: 'graph'; allowed: Uint8Array }
  | { id: 'custom'; allowed: Uint8Array }
  /** of the pairs every other mask leaves visible, the k best-scoring keys of each row */
  | { id: 'topk'; k: number };

export type MaskId = ResolvedMask['id'] | 'none';

/**
 * A score bias added before masking (docs/semantics.md "Positions"): ALiBi adds
 * −slopes[h]·|i + offset − j| to head h's scores (offset = Tk − Tq, as the causal mask's).
 */
export type ResolvedBias = { id: 'alibi'; slopes: number[]; offset: number };

/**
 * A recurrence (docs/semantics.md "Recurrences"): implicit attention in place of the metric
 * and normaliser, always causal over Tq = Tk tokens. Everything here is per head.
 */
export type ResolvedRecurrence =
  /** omega: favor's m×d Gaussian Ω per head (absent for the other features) */
  | { id: 'linear'; feature: 'elu1' | 'relu' | 'identity' | 'favor'; normalize: boolean; omega?: PerHead }
  /** gammas[h] ∈ (0, 1] */
  | { id: 'retention'; gammas: number[] }
  /** gates: a_t ∈ (0, 1] per head (length T each) */
  | { id: 'selective'; gates: PerHead }
  /** beta: β_t ∈ (0, 1] (length T); keys are L2-normalised in `k` already when the JobSpec asked */
  | { id: 'delta'; beta: Float64Array };

export type RecurrenceId = ResolvedRecurrence['id'];

export type OutputKind = 'scores' | 'weights' | 'output' | 'entropy' | 'argmax' | 'topk' | 'overview';

export interface OverviewRequest {
  /** overview size in cells (≤ Tq, ≤ Tk); each cell pools a block of ceil(Tq/rows) × ceil(Tk/cols) */
  rows: number;
  cols: number;
  pool: PoolKind;
}

/**
 * Which backend runs the job (JobSpec `backend`): `auto` (default) lets the engine choose,
 * `cpu` the worker pool (onnxruntime's native CPU kernels where onnxruntime-node is
 * installed, else its wasm build), `wasm` onnxruntime-web's wasm build whatever is
 * installed, `webgpu` onnxruntime's WebGPU backend in a browser context. It never changes
 * the numbers beyond SPEC §5's tolerances.
 */
export type BackendChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'wasm', 'webgpu'];

export interface AttentionProblem {
  heads: number;
  /** Tq × (H·dqh), Tk × (H·dkh), Tk × (H·dvh); head h is the h-th contiguous column slice. */
  q: Matrix;
  k: Matrix;
  v: Matrix;
  metric: ResolvedMetric;
  /** combined by AND; `topk` masks apply after all others, in stack order */
  masks: ResolvedMask[];
  /** added to the scores before the masks (ALiBi); absent = none */
  bias?: ResolvedBias;
  normalizer: NormalizerId;
  /** rank's τ, sinkhorn's iterations */
  normalizerParams?: NormalizerParams;
  /** implicit attention: when present, metric, normalizer and bias are not read (masks is the causal one) */
  recurrence?: ResolvedRecurrence;
  outputs: OutputKind[];
  /** k of the per-row top-k output (when outputs has 'topk') */
  topk: number;
  overview?: OverviewRequest;
  tokens: { queries: string[] | null; keys: string[] | null };
  /** absent = auto; the engine's router reads it, the graph never does */
  backend?: BackendChoice;
}

/**
 * What a run returns. Head-major flat arrays: entry (h, i, j) of an H×Tq×Tk array sits at
 * (h·Tq + i)·Tk + j. Arrays appear only when requested (entropy-family arrays always do).
 */
export interface AttentionResult {
  heads: number;
  Tq: number;
  Tk: number;
  /** value width per head */
  dv: number;
  /** H×Tq×Tk, blocked = −Infinity */
  scores?: Float32Array;
  /** H×Tq×Tk */
  weights?: Float32Array;
  /** H×Tq×dv */
  output?: Float32Array;
  /** H×Tq, nats */
  entropy: Float32Array;
  /** H×Tq: entropy / ln(n_i), 0 when n_i ≤ 1 */
  normEntropy: Float32Array;
  /** H×Tq: exp(entropy) */
  effective: Float32Array;
  /** H×Tq: n_i, the number of visible keys */
  visible: Int32Array;
  /** H×Tq, −1 for an empty row */
  argmax: Int32Array;
  /** H×Tq */
  maxWeight: Float32Array;
  /** H×Tq×k, when requested */
  topkIndices?: Int32Array;
  topkWeights?: Float32Array;
  topk?: number;
  overview?: OverviewRequest & { data: Float32Array };
  /** sinkhorn only: H×Tk, the column sums of the final weights */
  columnSums?: Float32Array;
  /** sinkhorn only: the largest |column sum − Tq/Tk| over every head and column */
  columnDeviation?: number;
  /** recurrences only, H×Tq, filled by the tiles: each row's |scan output − A·V| and 1 where it is not a distribution */
  rowScanError?: Float64Array;
  rowNotDistribution?: Uint8Array;
  /** recurrences only: per head (H), max |scan output − A·V| (the O(T) scan against the matrix form) */
  scanError?: Float64Array;
  /** recurrences only: per head (H), the rows of A that are not distributions (a negative weight, or a sum away from 1) */
  nonDistributionRows?: Int32Array;
  /** recurrences only: every non-empty row of A is a distribution; when false, entropy is over |A_ij| / Σ_j |A_ij| */
  distribution?: boolean;
  /** per head, the query rows with no visible key */
  emptyRows: number[][];
  /**
   * A capture whose file holds the model's pattern: per head, the mean over non-empty rows of
   * the JS divergence (nats) between these weights and the model's (null: every row empty).
   * Set by the service after the run, from the weights.
   */
  modelDivergence?: (number | null)[];
  /** per head */
  meanEntropy: number[];
  /** ln(Tk), the reference maximum */
  maxEntropy: number;
}
