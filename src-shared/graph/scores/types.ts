/**
 * The face of one score function: how it is built into the graph, which scalars it bakes in
 * (part of the model signature), and which per-head parameter matrices it is fed.
 */
import type { PerHead, ResolvedMetric } from '../../job/problem';
import type { GraphContext } from '../context';

/** A per-head parameter feed: head h's row-major float64 array, of `shape`, fed as float32 [h, ...shape]. */
export interface ParamSpec {
  name: string;
  perHead: PerHead;
  shape: number[];
}

export interface ScoreDims {
  dq: number;
  dk: number;
}

export type MetricOf<Id extends ResolvedMetric['id']> = Extract<ResolvedMetric, { id: Id }>;

export interface ScoreFunction<M extends ResolvedMetric> {
  /** everything about `m` that the graph bakes in (scalars), as a short string */
  key(m: M): string;
  /** the unmasked scores [h, n, Tk] float32 */
  build(ctx: GraphContext, m: M): string;
  /** the parameter inputs `build` declares, with their data */
  params(m: M, dims: ScoreDims): ParamSpec[];
}
