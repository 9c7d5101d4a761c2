/** The float64 reference implementation of SPEC.md + docs/semantics.md: the lab's oracle. */
export { referenceAttention } from './attention';
export type { ReferenceResult } from './types';
export * as scores from './scores';
export { score, checkMetricShapes, COSINE_EPSILON } from './scores';
export { visibleByMask, visibility, checkMaskShapes, type MaskContext, type PairMask } from './masks';
export { softmax, kernel, sparsemax, rank, sinkhorn, normalizeRow, type RowPlace, type SinkhornResult } from './normalizers';
export { poolOverview } from './overview';
export { headRows, headWidth } from './heads';
export { ropeVector, sinusoidalVector, biasAt, checkBias, quantizeIntGroup, float16RoundTrip, bfloat16RoundTrip } from './transforms';
