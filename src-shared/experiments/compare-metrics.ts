/**
 * Compare metrics (SPEC §6): the same tokens, masks and normaliser under several score
 * functions. Per metric its weights and the top-k keys of every row; per pair of metrics the
 * Jensen–Shannon divergence (nats, in [0, ln 2]) of each (head, row) of weights.
 *
 * A metric that is the JobSpec's own keeps the JobSpec's parameters (its τ, its matrix…);
 * every other one runs with the catalogue's defaults.
 */
import type { AttentionProblem, AttentionResult } from '../job/problem';
import type { EntrySpec } from '../job/spec';
import { jensenShannon } from '../stats';
import { copyTokens, ExperimentOptionError, resolveInput, Runs } from './common';
import { EXPERIMENT_LIMITS } from './limits';
import type { CompareMetricsOptions, CompareMetricsResult, ExperimentContext, ExperimentInput } from './types';
import { catalogueEntry } from '../metrics/catalogue';

/** The JobSpec's metric when it is `id`, else `id` with its defaults. */
export function metricSpecFor(input: ExperimentInput, id: string): EntrySpec {
  return input.spec.metric?.id === id ? input.spec.metric : { id };
}

/** Per-row Jensen–Shannon divergence between two results' weights (same shape), H×Tq. */
export function rowDivergence(a: AttentionResult, b: AttentionResult): Float32Array {
  const { heads, Tq, Tk } = a;
  if (b.heads !== heads || b.Tq !== Tq || b.Tk !== Tk) throw new Error(`cannot compare a ${heads}×${Tq}×${Tk} result with a ${b.heads}×${b.Tq}×${b.Tk} one`);
  const out = new Float32Array(heads * Tq);
  for (let x = 0; x < heads * Tq; x++) out[x] = jensenShannon(a.weights!.subarray(x * Tk, (x + 1) * Tk), b.weights!.subarray(x * Tk, (x + 1) * Tk));
  return out;
}

export async function runCompareMetrics(ctx: ExperimentContext, input: ExperimentInput, options: CompareMetricsOptions): Promise<CompareMetricsResult> {
  const { metrics } = options;
  if (!Array.isArray(metrics) || metrics.length < 1 || metrics.length > EXPERIMENT_LIMITS.maxMetrics) {
    throw new ExperimentOptionError('options.metrics', `expected 1 to ${EXPERIMENT_LIMITS.maxMetrics} score functions`);
  }
  metrics.forEach((id, i) => {
    if (!catalogueEntry('score', id)) throw new ExperimentOptionError(`options.metrics.${i}`, `unknown score function "${id}"`);
  });
  if (!Number.isInteger(options.k) || options.k < 1 || options.k > EXPERIMENT_LIMITS.maxK) {
    throw new ExperimentOptionError('options.k', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxK}, got ${options.k}`);
  }
  // resolve every metric before running any, so a metric that cannot apply fails at once
  const problems: AttentionProblem[] = metrics.map((id, i) => {
    try {
      return resolveInput(input, { metric: metricSpecFor(input, id), outputs: ['weights', 'topk'], topk: options.k });
    } catch (e) {
      throw new ExperimentOptionError(`options.metrics.${i}`, `${id}: ${(e as Error).message}`);
    }
  });
  const runs = new Runs(ctx, problems.length);
  const results: AttentionResult[] = [];
  for (const p of problems) results.push(await runs.run(p));
  const { heads, Tq, Tk } = results[0];
  const js: Float32Array[][] = metrics.map(() => []);
  for (let a = 0; a < metrics.length; a++) {
    js[a][a] = new Float32Array(heads * Tq);
    for (let b = a + 1; b < metrics.length; b++) {
      js[a][b] = rowDivergence(results[a], results[b]);
      // JS is symmetric: one array serves both orders
      js[b][a] = js[a][b];
    }
  }
  const k = problems[0].topk;
  const topk = results.map((r) => Int32Array.from(r.topkIndices ?? new Int32Array(heads * Tq * k).fill(-1)));
  return { metrics: [...metrics], heads, Tq, Tk, k, tokens: copyTokens(problems[0]), results, js, topk };
}
