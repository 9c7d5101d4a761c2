/**
 * The reference's result: AttentionResult (src-shared/job/problem.ts) in float64, with every
 * array always present (topk and overview whenever the problem gives their parameters).
 * Same head-major layout: entry (h, i, j) of an H×Tq×Tk array sits at (h·Tq + i)·Tk + j.
 */
import type { OverviewRequest } from '../job/problem';

export interface ReferenceResult {
  heads: number;
  Tq: number;
  Tk: number;
  /** value width per head */
  dv: number;
  /** H×Tq×Tk, blocked = −Infinity */
  scores: Float64Array;
  /** H×Tq×Tk */
  weights: Float64Array;
  /** H×Tq×dv */
  output: Float64Array;
  /** H×Tq, nats */
  entropy: Float64Array;
  /** H×Tq: entropy / ln(n_i), 0 when n_i ≤ 1 */
  normEntropy: Float64Array;
  /** H×Tq: exp(entropy), 0 for an empty row */
  effective: Float64Array;
  /** H×Tq: n_i, the number of visible keys */
  visible: Int32Array;
  /** H×Tq, −1 for an empty row */
  argmax: Int32Array;
  /** H×Tq */
  maxWeight: Float64Array;
  /** H×Tq×k, when problem.topk ≥ 1 */
  topkIndices?: Int32Array;
  topkWeights?: Float64Array;
  topk?: number;
  /**
   * H×rows×cols, when problem.overview is given. rows/cols here are the pooled grid's actual
   * size, ceil(Tq/br) × ceil(Tk/bc), which can be smaller than the request.
   */
  overview?: OverviewRequest & { data: Float64Array };
  /** sinkhorn only: the largest |column sum − Tq/Tk| over every head and column */
  columnDeviation?: number;
  /** recurrences only: per head, max |scan output − A·V| */
  scanError?: number[];
  /** recurrences only: every non-empty row of A is a distribution (≥ 0, sums to 1 within 1e-6) */
  distribution?: boolean;
  /** per head, the query rows with no visible key */
  emptyRows: number[][];
  /** per head, over the non-empty rows (0 if none) */
  meanEntropy: number[];
  /** ln(Tk), the reference maximum */
  maxEntropy: number;
}
