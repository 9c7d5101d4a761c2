/**
 * Scaling (SPEC §6): why Transformers divide q·k by sqrt(d). For each width `dim`, `trials`
 * times: n random queries and n random keys with independent standard Gaussian entries
 * (streams `(seed, "scaling/q/dim{dim}/trial{t}")` and `(seed, "scaling/k/dim{dim}/trial{t}")`
 * of src-shared/random.ts), attended with the plain dot product (c = 1) and with the
 * scaled one (c = 1/sqrt(dim)); the mean row entropy of each, averaged over the trials,
 * beside ln(n), the entropy of a uniform row.
 *
 * Unscaled, q·k ~ N(0, dim): the scores spread like sqrt(dim), the softmax collapses onto
 * the arg-max and the entropy falls toward 0. Scaled, q·k/sqrt(dim) ~ N(0, 1) whatever the
 * width, and the entropy stays near ln n − 1/2 (the large-n limit for unit-variance scores).
 */
import type { AttentionProblem } from '../job/problem';
import { matrix } from '../linalg/matrix';
import { gaussianMatrix } from '../random';
import { ExperimentOptionError, Runs } from './common';
import { scalingProblem } from './limits';
import type { ExperimentContext, ScalingOptions, ScalingResult, ScalingRow } from './types';

export const SCALING_DEFAULTS: ScalingOptions = { dims: [256, 512, 1024, 2048, 4096, 8192, 16384], n: 64, trials: 5, seed: 0 };

/** The random matrix of one trial (n × dim, row-major float32): `role` "q" or "k". */
export function scalingMatrix(seed: number, role: 'q' | 'k', dim: number, trial: number, n: number): Float32Array {
  return Float32Array.from(gaussianMatrix(seed, `scaling/${role}/dim${dim}/trial${trial}`, n, dim, 1));
}

/** The two problems of one trial: the same queries and keys, dot product with c = 1 and c = 1/sqrt(dim). */
export function scalingProblems(options: ScalingOptions, dim: number, trial: number): { unscaled: AttentionProblem; scaled: AttentionProblem } {
  const { n, seed } = options;
  const q = matrix(n, dim, scalingMatrix(seed, 'q', dim, trial, n));
  const k = matrix(n, dim, scalingMatrix(seed, 'k', dim, trial, n));
  // the values play no part in the entropy: one zero column keeps the runs small
  const v = matrix(n, 1);
  const base = { heads: 1, q, k, v, masks: [], normalizer: 'softmax', outputs: ['entropy'], topk: 0, tokens: { queries: null, keys: null } } as const;
  return {
    unscaled: { ...base, masks: [], outputs: ['entropy'], metric: { id: 'dot', c: 1 } },
    scaled: { ...base, masks: [], outputs: ['entropy'], metric: { id: 'dot', c: 1 / Math.sqrt(dim) } },
  };
}

export async function runScaling(ctx: ExperimentContext, options: ScalingOptions): Promise<ScalingResult> {
  const problem = scalingProblem(options);
  if (problem) {
    const [field, ...rest] = problem.split(': ');
    throw new ExperimentOptionError(`options.${field}`, rest.join(': '));
  }
  const { dims, n, trials } = options;
  const runs = new Runs(ctx, dims.length * trials * 2);
  const rows: ScalingRow[] = [];
  for (const dim of dims) {
    let unscaled = 0;
    let scaled = 0;
    for (let t = 0; t < trials; t++) {
      const p = scalingProblems(options, dim, t);
      unscaled += (await runs.run(p.unscaled)).meanEntropy[0];
      scaled += (await runs.run(p.scaled)).meanEntropy[0];
    }
    rows.push({ dim, unscaled: unscaled / trials, scaled: scaled / trials, max: Math.log(n) });
  }
  return { options: { dims: [...dims], n, trials, seed: options.seed }, rows };
}
