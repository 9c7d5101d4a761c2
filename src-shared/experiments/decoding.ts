/**
 * Decoding (SPEC §6): causal self-attention computed the way a decoder generates, one
 * position at a time. At step t only the new query q_t is computed — a problem with Tq = 1
 * whose keys and values are positions 0..t, the causal offset t making it the last row —
 * while the keys and values of the earlier steps are reused from the cache (here: views of
 * the same arrays, never recomputed). Nothing is ever computed for an earlier query again,
 * which is why a KV cache exists and a Q cache does not.
 *
 * Each step reports the cache size, the score cells it computed (t + 1 per head) against
 * recomputing every row so far ((t + 1)(t + 2)/2 per head), its wall time, and the largest
 * difference between its weights and row t of one full causal run of the whole sequence.
 *
 * The JobSpec's masks are replaced by `causal` (reported in `ignoredMasks`); a score
 * function whose parameters depend on all the keys (Mahalanobis "whiten") keeps the
 * parameters resolved from the whole sequence.
 */
import type { AttentionProblem } from '../job/problem';
import { matrix, type Matrix } from '../linalg/matrix';
import { copyTokens, ExperimentOptionError, resolveInput, rowOf, Runs } from './common';
import { EXPERIMENT_LIMITS } from './limits';
import type { DecodingOptions, DecodingResult, DecodingStep, ExperimentContext, ExperimentInput } from './types';

/** The first `rows` rows of a matrix as a view of the same memory (the cache, not a copy). */
function prefix(m: Matrix, rows: number): Matrix {
  return matrix(rows, m.cols, m.data.subarray(0, rows * m.cols));
}

/** The problem of decoding step t: query t alone against the cached keys and values 0..t. */
export function decodingStepProblem(full: AttentionProblem, t: number): AttentionProblem {
  return {
    ...full,
    q: matrix(1, full.q.cols, full.q.data.subarray(t * full.q.cols, (t + 1) * full.q.cols)),
    k: prefix(full.k, t + 1),
    v: prefix(full.v, t + 1),
    // j ≤ 0 + t: the one query row sees every cached key
    masks: [{ id: 'causal', offset: t }],
    outputs: ['weights'],
    overview: undefined,
    tokens: {
      queries: full.tokens.queries ? [full.tokens.queries[t]] : null,
      keys: full.tokens.keys ? full.tokens.keys.slice(0, t + 1) : null,
    },
  };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function runDecoding(ctx: ExperimentContext, input: ExperimentInput, options: DecodingOptions): Promise<DecodingResult> {
  const full = resolveInput(input, { mask: [{ id: 'causal' }], outputs: ['weights'] });
  const T = full.q.rows;
  if (full.k.rows !== T) {
    throw new ExperimentOptionError('job', `decoding is self-attention over one sequence: it needs as many queries as keys, got ${T} and ${full.k.rows}`);
  }
  const steps = options.steps ?? T;
  if (!Number.isInteger(steps) || steps < 1 || steps > EXPERIMENT_LIMITS.maxSteps) {
    throw new ExperimentOptionError('options.steps', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxSteps}, got ${steps}`);
  }
  const n = Math.min(steps, T);
  const H = full.heads;
  const ignoredMasks = (input.spec.mask ?? []).map((m) => m.id).filter((id) => id !== 'causal' && id !== 'none');

  const runs = new Runs(ctx, n + 1);
  const t0 = now();
  const reference = await runs.run(full);
  const fullMs = now() - t0;
  const fullWeights = reference.weights!;

  const out: DecodingStep[] = [];
  let worst = 0;
  for (let t = 0; t < n; t++) {
    const s0 = now();
    const r = await runs.run(decodingStepProblem(full, t));
    const ms = now() - s0;
    const weights = Float32Array.from(r.weights!);
    let maxDiff = 0;
    for (let h = 0; h < H; h++) {
      const mine = rowOf(weights, h, 0, 1, t + 1);
      const theirs = rowOf(fullWeights, h, t, T, T);
      for (let j = 0; j <= t; j++) maxDiff = Math.max(maxDiff, Math.abs(mine[j] - theirs[j]));
    }
    worst = Math.max(worst, maxDiff);
    out.push({ t, cacheSize: t + 1, cellsIncremental: t + 1, cellsRecompute: ((t + 1) * (t + 2)) / 2, ms, maxDiff, weights });
  }
  return { heads: H, T, steps: out, fullMs, maxDiff: worst, ignoredMasks, tokens: copyTokens(full) };
}
