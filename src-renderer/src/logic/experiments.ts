/**
 * The Experiments tab's plain logic (SPEC §6): what each experiment is called, its form
 * (text lists parsed into options, with a message naming the field), the requests sent
 * through LabApi.runExperiment, the pickers' choices, decoding's cost bookkeeping, and the
 * CSV / JSON files the views offer (the experiment's table, from src-shared/experiments/csv).
 * No Vue, no DOM: the store and the tests call these.
 */
import { EXPERIMENT_LIMITS } from '../../../src-shared/experiments/limits';
import { experimentCsv, experimentJson } from '../../../src-shared/experiments/csv';
import type {
  CompareMetricsOptions,
  DecodingOptions,
  DecodingResult,
  ExperimentName,
  ExperimentOptionsMap,
  ExperimentResultMap,
  GeometryOptions,
  KnnOptions,
  ScalingOptions,
  TemperatureOptions,
} from '../../../src-shared/experiments/types';
import { SCORE_FUNCTIONS } from '../../../src-shared/metrics/catalogue';
import { displayToken } from '../../../src-shared/charts/theme';

export interface ExperimentInfo {
  name: ExperimentName;
  /** the sub-tab's label */
  label: string;
  /** one sentence: what the view shows */
  description: string;
  /** runs over the current configuration (every experiment but scaling) */
  usesJob: boolean;
}

export const EXPERIMENTS: readonly ExperimentInfo[] = [
  {
    name: 'scaling',
    label: 'Scaling',
    description: 'Random Gaussian queries and keys: mean row entropy of softmax(q·k) with and without the 1/√d scale, as the width d grows, against the maximum ln(n).',
    usesJob: false,
  },
  {
    name: 'temperature',
    label: 'Temperature',
    description: 'The current configuration at each τ, from sharp to flat: mean entropy per head, and how many rows’ arg-max moves.',
    usesJob: true,
  },
  {
    name: 'compare',
    label: 'Compare metrics',
    description: 'The current tokens, masks and normaliser under several score functions: their weights side by side, per-row Jensen–Shannon divergence, and each one’s top-k keys.',
    usesJob: true,
  },
  {
    name: 'geometry',
    label: 'Geometry',
    description: 'One query in the plane of the queries and keys (PCA, or the raw 2-D points): arrows to its keys, thicker for more weight, and its output as the weighted centroid of the values.',
    usesJob: true,
  },
  {
    name: 'decoding',
    label: 'Decoding',
    description: 'Causal attention one step at a time: at step t only q_t is new, while every k and v so far comes from the cache — and the rows are identical to one full causal run.',
    usesJob: true,
  },
  {
    name: 'knn',
    label: 'k-NN',
    description: 'For one query, the k keys the score function ranks best, their scores and soft weights, beside hard k-NN attention (the same job with a top-k mask).',
    usesJob: true,
  },
];

export function experimentInfo(name: ExperimentName): ExperimentInfo {
  const info = EXPERIMENTS.find((e) => e.name === name);
  if (!info) throw new Error(`no experiment "${name}"`);
  return info;
}

// ── number lists ─────────────────────────────────────────────────────────────────────

export interface ListRules {
  integer?: boolean;
  /** smallest allowed value (inclusive, or exclusive with `exclusiveMin`) */
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  maxCount?: number;
  /** what one value is, for messages ("a width", "a τ") */
  what: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** "256, 512 1024" → [256, 512, 1024]: commas, spaces or semicolons between numbers. */
export function parseNumberList(text: string, rules: ListRules): Parsed<number[]> {
  const parts = text.split(/[\s,;]+/).filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, error: `expected at least one ${rules.what.replace(/^an? /, '')}` };
  const max = rules.maxCount ?? EXPERIMENT_LIMITS.maxList;
  if (parts.length > max) return { ok: false, error: `expected at most ${max} values, got ${parts.length}` };
  const values: number[] = [];
  for (const p of parts) {
    const x = Number(p);
    if (!Number.isFinite(x)) return { ok: false, error: `"${p}" is not a number` };
    if (rules.integer && !Number.isInteger(x)) return { ok: false, error: `expected ${rules.what} as a whole number, got ${p}` };
    if (rules.min !== undefined && (rules.exclusiveMin ? x <= rules.min : x < rules.min)) {
      return { ok: false, error: `expected ${rules.what} ${rules.exclusiveMin ? '>' : '≥'} ${rules.min}, got ${p}` };
    }
    if (rules.max !== undefined && x > rules.max) return { ok: false, error: `expected ${rules.what} ≤ ${rules.max}, got ${p}` };
    values.push(x);
  }
  return { ok: true, value: values };
}

/** A whole number in [min, max], or a message. */
export function parseWhole(value: unknown, min: number, max: number, what: string): Parsed<number> {
  const x = typeof value === 'number' ? value : Number(String(value ?? '').trim());
  if (String(value ?? '').trim() === '' || !Number.isFinite(x)) return { ok: false, error: `expected ${what}` };
  if (!Number.isInteger(x)) return { ok: false, error: `expected ${what} as a whole number, got ${x}` };
  if (x < min || x > max) return { ok: false, error: `expected ${what} from ${min} to ${max}, got ${x}` };
  return { ok: true, value: x };
}

/** Numbers as a list in a text box: "0.05, 0.1, 0.2". */
export function formatList(values: number[]): string {
  return values.map((x) => String(x)).join(', ');
}

/** `count` values from lo to hi evenly spaced on a log axis, each rounded to 3 significant digits. */
export function logSpaced(lo: number, hi: number, count: number): number[] {
  if (!(lo > 0 && hi > lo) || count < 2) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => Number(Math.exp(a + ((b - a) * i) / (count - 1)).toPrecision(3)));
}

/** τ from 0.05 (sharp) to 20 (flat), log-spaced. */
export const DEFAULT_TAUS = logSpaced(0.05, 20, 13);
/** widths from where scaling does not matter yet to where unscaled softmax is one-hot */
export const DEFAULT_DIMS = [1, 4, 16, 64, 256, 1024, 4096];

// ── the forms ───────────────────────────────────────────────────────────────────────

export interface ScalingForm {
  dims: string;
  n: number | string;
  trials: number | string;
  seed: number | string;
}
export interface TemperatureForm {
  taus: string;
}
export interface CompareForm {
  metrics: string[];
  k: number | string;
  /** the head the heatmaps and divergences show, and the query whose top-k keys are listed (view only) */
  head: number;
  query: number;
}
export interface PickForm {
  query: number;
  head: number;
}
export interface KnnForm extends PickForm {
  k: number | string;
}
export interface DecodingForm {
  /** the step on show (the slider) and the head whose row is drawn: the view, not the run */
  t: number;
  head: number;
}

export interface Forms {
  scaling: ScalingForm;
  temperature: TemperatureForm;
  compare: CompareForm;
  geometry: PickForm;
  decoding: DecodingForm;
  knn: KnnForm;
}

/** The score function ids, in catalogue order (the compare checklist; never a hand-kept list). */
export function scoreFunctionChoices(): { id: string; label: string }[] {
  return SCORE_FUNCTIONS.map((e) => ({ id: e.id, label: e.label }));
}

/** Compare's default choice: the configuration's own score function first, then dot, cosine, rbf. */
export function defaultCompareMetrics(current: string | undefined): string[] {
  const ids = new Set(SCORE_FUNCTIONS.map((e) => e.id));
  const out: string[] = [];
  for (const id of [current, 'dot', 'cosine', 'rbf']) if (id && ids.has(id) && !out.includes(id) && out.length < 3) out.push(id);
  return out;
}

export function defaultForms(currentMetric?: string): Forms {
  return {
    scaling: { dims: formatList(DEFAULT_DIMS), n: 64, trials: 5, seed: 0 },
    temperature: { taus: formatList(DEFAULT_TAUS) },
    compare: { metrics: defaultCompareMetrics(currentMetric), k: 3, head: 0, query: 0 },
    geometry: { query: 0, head: 0 },
    decoding: { t: 0, head: 0 },
    knn: { query: 0, head: 0, k: 3 },
  };
}

/** Either the options of a run, or the form's messages by field. */
export type OptionsOrErrors<N extends ExperimentName> = { ok: true; options: ExperimentOptionsMap[N] } | { ok: false; errors: Record<string, string> };

function collect<N extends ExperimentName>(errors: Record<string, string>, options: () => ExperimentOptionsMap[N]): OptionsOrErrors<N> {
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, options: options() };
}

const L = EXPERIMENT_LIMITS;

export function scalingOptions(form: ScalingForm): OptionsOrErrors<'scaling'> {
  const errors: Record<string, string> = {};
  const dims = parseNumberList(form.dims, { integer: true, min: 1, max: L.maxDim, what: 'a width' });
  const n = parseWhole(form.n, 1, L.maxN, 'a token count');
  const trials = parseWhole(form.trials, 1, L.maxTrials, 'a trial count');
  const seed = parseWhole(form.seed, 0, 2 ** 32 - 1, 'a seed');
  if (!dims.ok) errors.dims = dims.error;
  if (!n.ok) errors.n = n.error;
  if (!trials.ok) errors.trials = trials.error;
  if (!seed.ok) errors.seed = seed.error;
  if (dims.ok && n.ok) {
    const widest = Math.max(...dims.value);
    if (n.value * widest > L.maxCells) errors.n = `${n.value} tokens × width ${widest} is more than ${L.maxCells} numbers: use n ≤ ${Math.floor(L.maxCells / widest)}`;
  }
  return collect<'scaling'>(errors, (): ScalingOptions => ({
    dims: [...new Set((dims as { value: number[] }).value)].sort((a, b) => a - b),
    n: (n as { value: number }).value,
    trials: (trials as { value: number }).value,
    seed: (seed as { value: number }).value,
  }));
}

export function temperatureOptions(form: TemperatureForm): OptionsOrErrors<'temperature'> {
  const taus = parseNumberList(form.taus, { min: 0, exclusiveMin: true, max: L.maxTau, what: 'a τ' });
  if (!taus.ok) return { ok: false, errors: { taus: taus.error } };
  return { ok: true, options: { taus: [...new Set(taus.value)].sort((a, b) => a - b) } satisfies TemperatureOptions };
}

export function compareOptions(form: CompareForm): OptionsOrErrors<'compare'> {
  const errors: Record<string, string> = {};
  const known = new Set(SCORE_FUNCTIONS.map((e) => e.id));
  const metrics = SCORE_FUNCTIONS.map((e) => e.id).filter((id) => form.metrics.includes(id));
  const unknown = form.metrics.filter((id) => !known.has(id));
  if (unknown.length > 0) errors.metrics = `unknown score function "${unknown[0]}"`;
  else if (metrics.length < 2) errors.metrics = 'choose at least two score functions to compare';
  else if (metrics.length > L.maxMetrics) errors.metrics = `choose at most ${L.maxMetrics} score functions`;
  const k = parseWhole(form.k, 1, L.maxK, 'k');
  if (!k.ok) errors.k = k.error;
  return collect<'compare'>(errors, (): CompareMetricsOptions => ({ metrics, k: (k as { value: number }).value }));
}

export function geometryOptions(form: PickForm): OptionsOrErrors<'geometry'> {
  return { ok: true, options: { query: Math.max(0, Math.floor(form.query)), head: Math.max(0, Math.floor(form.head)) } satisfies GeometryOptions };
}

export function decodingOptions(_form: DecodingForm): OptionsOrErrors<'decoding'> {
  return { ok: true, options: {} satisfies DecodingOptions };
}

export function knnOptions(form: KnnForm): OptionsOrErrors<'knn'> {
  const k = parseWhole(form.k, 1, L.maxK, 'k');
  if (!k.ok) return { ok: false, errors: { k: k.error } };
  return { ok: true, options: { query: Math.max(0, Math.floor(form.query)), head: Math.max(0, Math.floor(form.head)), k: k.value } satisfies KnnOptions };
}

/** The options of one experiment from its form. */
export function experimentOptions<N extends ExperimentName>(name: N, forms: Forms): OptionsOrErrors<N> {
  switch (name) {
    case 'scaling':
      return scalingOptions(forms.scaling) as OptionsOrErrors<N>;
    case 'temperature':
      return temperatureOptions(forms.temperature) as OptionsOrErrors<N>;
    case 'compare':
      return compareOptions(forms.compare) as OptionsOrErrors<N>;
    case 'geometry':
      return geometryOptions(forms.geometry) as OptionsOrErrors<N>;
    case 'decoding':
      return decodingOptions(forms.decoding) as OptionsOrErrors<N>;
    case 'knn':
      return knnOptions(forms.knn) as OptionsOrErrors<N>;
  }
  throw new Error(`no experiment "${String(name)}"`);
}

// ── pickers ─────────────────────────────────────────────────────────────────────────

export interface Choice {
  value: number;
  label: string;
}

/** One choice per row: "3 · mouse" (the index keeps repeated tokens apart). */
export function rowChoices(tokens: string[] | null | undefined, count: number): Choice[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => ({ value: i, label: tokens && i < tokens.length ? `${i} · ${displayToken(tokens[i], 20)}` : String(i) }));
}

/** A token's label, or its index. */
export function tokenLabel(tokens: string[] | null | undefined, i: number): string {
  return tokens && i >= 0 && i < tokens.length ? displayToken(tokens[i], 16) : String(i);
}

/** n kept inside [0, count − 1] (0 when there is nothing to pick). */
export function clampIndex(n: number, count: number): number {
  if (!(count > 0)) return 0;
  return Math.min(count - 1, Math.max(0, Math.floor(Number.isFinite(n) ? n : 0)));
}

// ── decoding ─────────────────────────────────────────────────────────────────────────

export interface DecodingCost {
  t: number;
  /** score cells computed at this step with the cache, and recomputing every row so far (per head) */
  incremental: number;
  recompute: number;
  /** the same, summed over steps 0..t */
  totalIncremental: number;
  totalRecompute: number;
  /** recompute / incremental at this step */
  ratio: number;
}

/** Step t's costs, per step and summed, from the experiment's steps. */
export function decodingCost(result: DecodingResult, t: number): DecodingCost | null {
  const steps = result.steps;
  if (steps.length === 0) return null;
  const s = clampIndex(t, steps.length);
  let totalIncremental = 0;
  let totalRecompute = 0;
  for (let i = 0; i <= s; i++) {
    totalIncremental += steps[i].cellsIncremental;
    totalRecompute += steps[i].cellsRecompute;
  }
  const step = steps[s];
  return {
    t: step.t,
    incremental: step.cellsIncremental,
    recompute: step.cellsRecompute,
    totalIncremental,
    totalRecompute,
    ratio: step.cellsIncremental > 0 ? step.cellsRecompute / step.cellsIncremental : 0,
  };
}

/** Row t's weights of one head (length t + 1). */
export function decodingRow(result: DecodingResult, t: number, head: number): Float32Array {
  const step = result.steps[clampIndex(t, result.steps.length)];
  if (!step) return new Float32Array(0);
  const n = step.cacheSize;
  const h = clampIndex(head, result.heads);
  return step.weights.subarray(h * n, (h + 1) * n);
}

// ── files ───────────────────────────────────────────────────────────────────────────

export interface ExperimentFile {
  filename: string;
  mime: string;
  text: string;
}

/** The experiment's table (CSV) or its whole result (JSON) as a file to download. */
export function experimentFile<N extends ExperimentName>(name: N, result: ExperimentResultMap[N], format: 'csv' | 'json', extra: Record<string, unknown> = {}): ExperimentFile {
  if (format === 'csv') return { filename: `qklab-${name}.csv`, mime: 'text/csv;charset=utf-8', text: experimentCsv(name, result) };
  const body = { experiment: name, ...extra, result: experimentJson(result) };
  return { filename: `qklab-${name}.json`, mime: 'application/json', text: JSON.stringify(body, null, 1) + '\n' };
}

// ── errors ──────────────────────────────────────────────────────────────────────────

export interface ExperimentError {
  /** the form field the message is about (`options.k` → "k"), or null */
  field: string | null;
  message: string;
}

/**
 * An experiment's error, placed: `options.taus.3: expected a τ > 0…` goes under the τ list
 * (as "value 4: …"), `options.k: …` under k; anything else (the JobSpec, the engine) above
 * the view.
 */
export function placeExperimentError(text: string): ExperimentError {
  const m = /^options\.([A-Za-z]+)(?:\.(\d+))?:\s+([\s\S]*)$/.exec(text.trim());
  if (!m) return { field: null, message: text.trim() };
  const [, field, index, message] = m;
  return { field, message: index !== undefined ? `value ${Number(index) + 1}: ${message}` : message };
}

/** Whether the temperature sweep can run on this score function (it has a τ; dot's scale becomes 1/τ). */
export function sweepsTemperature(metricId: string | undefined): boolean {
  const id = metricId ?? 'dot';
  if (id === 'dot') return true;
  return SCORE_FUNCTIONS.find((e) => e.id === id)?.params.some((p) => p.name === 'tau') ?? false;
}
