/** The score functions of SPEC §2 (and ranknet), by id. */
import type { ResolvedMetric } from '../../job/problem';
import type { GraphContext } from '../context';
import type { ParamSpec, ScoreDims, ScoreFunction } from './types';
import { dot } from './dot';
import { cosine } from './cosine';
import { rbf } from './rbf';
import { laplacian } from './laplacian';
import { euclidean } from './euclidean';
import { mahalanobis } from './mahalanobis';
import { polynomial } from './polynomial';
import { bilinear } from './bilinear';
import { additive } from './additive';
import { gat } from './gat';
import { ranknet } from './ranknet';
import { hamming } from './hamming';

export type { ParamSpec, ScoreDims } from './types';
export { simhashCodes } from './hamming';

/** The graph builder of each score function, by id: the catalogue test finds every catalogue entry here. */
export const SCORE_GRAPHS: { readonly [Id in ResolvedMetric['id']]: ScoreFunction<Extract<ResolvedMetric, { id: Id }>> } = {
  dot,
  cosine,
  rbf,
  laplacian,
  euclidean,
  mahalanobis,
  polynomial,
  bilinear,
  additive,
  ranknet,
  gat,
  hamming,
};

function scoreFunction(m: ResolvedMetric): ScoreFunction<ResolvedMetric> {
  const f = SCORE_GRAPHS[m.id] as ScoreFunction<ResolvedMetric> | undefined;
  if (!f) throw new Error(`unknown score function '${(m as { id: string }).id}'`);
  return f;
}

export const scoreKey = (m: ResolvedMetric): string => scoreFunction(m).key(m);
export const scoreScalars = (m: ResolvedMetric): Record<string, number> => scoreFunction(m).scalars(m);
export const buildScores = (ctx: GraphContext, m: ResolvedMetric): string => scoreFunction(m).build(ctx, m);
export const scoreParams = (m: ResolvedMetric, dims: ScoreDims): ParamSpec[] => scoreFunction(m).params(m, dims);
