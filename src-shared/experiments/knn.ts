/**
 * k-NN view (SPEC §6, beside Geometry): for one query, the k keys its score function ranks
 * best (ties to the lower index, among the keys its masks leave visible), with their scores
 * and soft weights, next to the weights of hard k-NN attention — the same job with a
 * `topk` mask of k appended. Under softmax the hard weights are the soft weights of those k
 * keys renormalised to sum to 1; `massOutside` is the soft weight the hard version drops.
 */
import { topK } from '../stats';
import { checkQuery, copyTokens, ExperimentOptionError, resolveInput, rowOf, rowProblem, Runs } from './common';
import { EXPERIMENT_LIMITS } from './limits';
import type { ExperimentContext, ExperimentInput, KnnOptions, KnnView } from './types';

export async function runKnn(ctx: ExperimentContext, input: ExperimentInput, options: KnnOptions): Promise<KnnView> {
  const head = options.head ?? 0;
  const { k, query } = options;
  if (!Number.isInteger(k) || k < 1 || k > EXPERIMENT_LIMITS.maxK) throw new ExperimentOptionError('options.k', `expected an integer from 1 to ${EXPERIMENT_LIMITS.maxK}, got ${k}`);
  const soft = resolveInput(input, { outputs: ['scores', 'weights'] });
  checkQuery(soft, query, head);
  const hard = resolveInput(input, { mask: [...(input.spec.mask ?? []), { id: 'topk', k }], outputs: ['weights'] });

  const runs = new Runs(ctx, 2);
  const s = await runs.run(rowProblem(soft, query));
  const h = await runs.run(rowProblem(hard, query));
  const Tk = s.Tk;
  const scores = rowOf(s.scores!, head, 0, 1, Tk);
  const weights = rowOf(s.weights!, head, 0, 1, Tk);
  const hardWeights = rowOf(h.weights!, head, 0, 1, Tk);
  const visible = Uint8Array.from(scores, (x) => (x === -Infinity ? 0 : 1));
  const best = topK(scores, Math.min(k, Tk), visible);
  const keys: KnnView['keys'] = [];
  const chosen = new Set<number>();
  for (let r = 0; r < best.indices.length; r++) {
    const j = best.indices[r];
    if (j < 0) break;
    chosen.add(j);
    keys.push({ key: j, score: scores[j], weight: weights[j], hardWeight: hardWeights[j] });
  }
  let massOutside = 0;
  for (let j = 0; j < Tk; j++) if (!chosen.has(j)) massOutside += weights[j];
  return {
    query,
    head,
    k,
    keys,
    massOutside,
    metric: input.spec.metric?.id ?? 'dot',
    visible: s.visible[head],
    softEntropy: s.entropy[head],
    hardEntropy: h.entropy[head],
    tokens: copyTokens(soft),
  };
}
