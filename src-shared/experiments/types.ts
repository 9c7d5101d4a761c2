/**
 * The experiments of SPEC.md §6: the lab's explanations made runnable. Each is a pure
 * function over a `Runner` (the engine in the app and the CLI, the float64 reference in
 * tests), so the numbers a researcher sees come from the same engine as every heatmap.
 * This file is the contract between the experiment code, the CLI, the service and the views.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { JobSpec } from '../job/spec';
import type { FileTable } from '../job/resolve';

/** Runs one resolved problem (WasmPool.run in the app/CLI, referenceAttention in tests). */
export type Runner = (problem: AttentionProblem, signal?: AbortSignal) => Promise<AttentionResult>;

export interface ExperimentContext {
  run: Runner;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Scaling: random Gaussian queries/keys, mean row entropy with and without 1/sqrt(dim). */
export interface ScalingOptions {
  dims: number[];
  n: number;
  trials: number;
  seed: number;
}
export interface ScalingRow {
  dim: number;
  unscaled: number;
  scaled: number;
  /** ln(n), the maximum */
  max: number;
}
export interface ScalingResult {
  options: ScalingOptions;
  rows: ScalingRow[];
}

/** Temperature sweep over one JobSpec (its metric's τ, or dot's scale 1/τ). */
export interface TemperatureOptions {
  taus: number[];
}
export interface TemperatureRow {
  tau: number;
  /** mean entropy per head */
  entropy: number[];
  /** fraction of (head, row) pairs whose argmax differs from the sharpest τ's */
  argmaxChanged: number;
  /** per head, mean of the rows' largest weight */
  maxWeight: number[];
  /** H×Tq: each row's entropy at this τ (nats) */
  rowEntropy: Float32Array;
}
export interface TemperatureResult {
  /** the score function swept and what τ means for it ("tau", or dot's scale "tau" = 1/τ) */
  metric: string;
  /** the taus, ascending (sharpest first) */
  taus: number[];
  heads: number;
  Tq: number;
  Tk: number;
  rows: TemperatureRow[];
  /** per head, mean over the non-empty rows of ln(n_i): the entropy every row tends to as τ → ∞ */
  flatEntropy: number[];
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** The same tokens under several score functions. */
export interface CompareMetricsOptions {
  metrics: string[];
  k: number;
}
export interface CompareMetricsResult {
  metrics: string[];
  heads: number;
  Tq: number;
  Tk: number;
  /** k actually used: min(options.k, Tk) */
  k: number;
  tokens: { queries: string[] | null; keys: string[] | null };
  /** per metric: its result (weights always included) */
  results: AttentionResult[];
  /** js[a][b]: per-row Jensen–Shannon divergence (nats) between metric a and b, H×Tq */
  js: Float32Array[][];
  /** per metric: the top-k key indices of each (head, row), H×Tq×k */
  topk: Int32Array[];
}

/** Which query (and head) the Geometry and k-NN views look at. */
export interface GeometryOptions {
  query: number;
  /** default 0 */
  head?: number;
}

/** Geometry of one query: PCA of queries ∪ keys (or the raw 2-D points when d = 2). */
export interface GeometryView {
  projected: boolean;
  /** explained variance ratio of the two axes (1,0 style when not projected) */
  explained: [number, number];
  queries: [number, number][];
  keys: [number, number][];
  /** the chosen query's arrows: key index, its weight, the key's 2-D point */
  arrows: { key: number; weight: number }[];
  /** the output (weights·V) drawn as the weighted centroid of the value points */
  values: [number, number][];
  centroid: [number, number];
  query: number;
  head: number;
  /** where the value points come from: the queries∪keys plane (dv = d), their own PCA plane (dv ≠ d), or raw (dv = 2) */
  valuesPlane: 'joint' | 'own' | 'raw';
  /** the chosen query's attention output (weights·V) in the values' own width */
  output: Float64Array;
  /** true when the query sees no key (no arrows; the centroid is the origin of the plane) */
  emptyRow: boolean;
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** Decoding: causal attention step by step with a KV cache. */
export interface DecodingOptions {
  /** steps to take, from t = 0 (default: every position, T) */
  steps?: number;
}
export interface DecodingStep {
  t: number;
  /** keys and values in the cache at step t (t + 1) */
  cacheSize: number;
  /** score cells computed at this step (t + 1) vs recomputing all rows ((t+1)(t+2)/2) */
  cellsIncremental: number;
  cellsRecompute: number;
  /** wall time of the incremental step */
  ms: number;
  /** max |w_incremental − w_full| over row t, all heads */
  maxDiff: number;
  /** weights of row t, H × (t + 1) */
  weights: Float32Array;
}
export interface DecodingResult {
  heads: number;
  /** positions in the sequence (Tq = Tk = T) */
  T: number;
  steps: DecodingStep[];
  /** wall time of the one full causal run every step is checked against */
  fullMs: number;
  /** max over every step of maxDiff */
  maxDiff: number;
  /** masks of the JobSpec that decoding replaced by causal */
  ignoredMasks: string[];
  tokens: { queries: string[] | null; keys: string[] | null };
}

/** k-NN view of one query: soft weights vs the hard top-k mask. */
export interface KnnOptions {
  query: number;
  /** default 0 */
  head?: number;
  k: number;
}
export interface KnnView {
  query: number;
  head: number;
  k: number;
  /** the k best keys under the current score function, best first */
  keys: { key: number; score: number; weight: number; hardWeight: number }[];
  /** mass the soft attention puts outside the k best keys */
  massOutside: number;
  /** the score function ranking the keys */
  metric: string;
  /** keys the query may see under the job's masks (n_i) */
  visible: number;
  /** entropy (nats) of the soft row and of the hard top-k row */
  softEntropy: number;
  hardEntropy: number;
  tokens: { queries: string[] | null; keys: string[] | null };
}

export type ExperimentInput = { spec: JobSpec; files: FileTable };

/** The experiments by name: what each takes and what it returns (the LabApi and the CLI use these names). */
export interface ExperimentOptionsMap {
  scaling: ScalingOptions;
  temperature: TemperatureOptions;
  compare: CompareMetricsOptions;
  geometry: GeometryOptions;
  decoding: DecodingOptions;
  knn: KnnOptions;
}
export interface ExperimentResultMap {
  scaling: ScalingResult;
  temperature: TemperatureResult;
  compare: CompareMetricsResult;
  geometry: GeometryView;
  decoding: DecodingResult;
  knn: KnnView;
}
export type ExperimentName = keyof ExperimentOptionsMap;
export const EXPERIMENT_NAMES: readonly ExperimentName[] = ['scaling', 'temperature', 'compare', 'geometry', 'decoding', 'knn'];
/** every experiment but scaling runs over a JobSpec */
export function needsJob(name: ExperimentName): boolean {
  return name !== 'scaling';
}
