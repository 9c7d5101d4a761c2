/**
 * The face of one score function: how it is built into the graph, what about it shapes the
 * model (its key, part of the model signature), which scalars it is fed at run time (τ and
 * the like: one session serves a whole temperature sweep), and which per-head parameter
 * matrices it is fed.
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
  /** everything about `m` that the graph bakes in (structure: exponents, attributes, skipped terms), as a short string */
  key(m: M): string;
  /**
   * The run-time scalars `build` reads with ctx.scoreScalar(name), with their values for `m`:
   * exactly the names `build` declares for a model of this key.
   */
  scalars(m: M): Record<string, number>;
  /** the unmasked scores [h, n, Tk] float32 */
  build(ctx: GraphContext, m: M): string;
  /** the parameter inputs `build` declares, with their data */
  params(m: M, dims: ScoreDims): ParamSpec[];
}
