/**
 * AttentionProblem → one ONNX model (opset 17) that serves every tile of the problem, and
 * the feeds of one tile. Pure TS: no onnxruntime, no node:.
 *
 * The model's dims are symbolic (heads in tile, rows in tile, keys in tile, widths);
 * everything the graph bakes in — the score function and what shapes it (polynomial's p,
 * gat's slope), mask kinds (and buckets bits, top-k mask k, the causal offset's sign),
 * normaliser, requested outputs, top-k k, overview blocks — is in the key, so equal keys
 * mean interchangeable models. Score scalars (τ, dot's scale, …) and positional mask
 * scalars are feeds: a temperature sweep or a slider drag reuses one session.
 */
import type { AttentionProblem } from '../job/problem';
import { GraphContext, scoreScalarInput } from './context';
import { buildScores, scoreKey, scoreParams, scoreScalars } from './scores';
import { applyTopkMasks, causalVisibleCount, maskFeeds, maskKey, pairVisibility, rowsNeverEmpty } from './masks';
import { normalize, normalizerKey } from './normalizers';
import { emitOutputs, outputSpecs, overviewBlocks, wantsTopk } from './outputs';
import { headSlice, packHeads, type FeedTensor, type Tile } from './feeds';
import { keyRange } from './keys';
import { checkBias, checkMaskShapes, checkMetricShapes, headWidth } from '../reference';
import { addBias, biasFeeds, biasKey } from './bias';
import { graphTarget } from './target';
import { buildRecurrence, graphRecurrence, recurrenceFeeds, recurrenceKey } from './recurrence';

export type { FeedTensor, Tile } from './feeds';
export { outputSpecs, overviewBlocks, type OutputSpec } from './outputs';
export { GraphBuilder, OPSET } from './builder';
export { keyRange, type KeyRange } from './keys';
export type { TileResult, TileArray } from './tile-result';
export { assembleTile, writeTile, firstNegative, kernelNegativeMessage } from './assemble';
export { allocateResult, finishResult, resultBuffers, type AllocateOptions } from './result';
export { RecycledBuffers, type BufferSupply, type ResultBuffer } from './recycled-buffers';
export { planGraphTiles, bytesPerCell, BANDED_ROWS, DEFAULT_BUDGET_BYTES, type TilePlanOptions } from './plan';
export { WASM_TARGET, WEBGPU_TARGET, type GraphTarget } from './target';
export { planRegionTiles, allocateRegionResult, placeInRegion, regionProblem, type Region } from './region';

/** Bumped whenever the graph for the same key changes, so stale cached sessions never match. */
export const GRAPH_VERSION = 2;

const POSITIONAL = new Set(['causal', 'window', 'dilated']);

/**
 * The model signature: everything that changes the model, nothing that only changes feeds.
 * `target`: the runtime's capabilities (target.ts; default: the wasm build's).
 */
export function graphKey(problem: AttentionProblem, target?: unknown): string {
  const rec = graphRecurrence(problem);
  const parts = [
    `v${GRAPH_VERSION}`,
    // a recurrence is the score function and the normaliser at once
    ...(rec ? [`rec=${recurrenceKey(rec)}`] : [scoreKey(problem.metric)]),
    `masks[${problem.masks.map(maskKey).join(',')}]`,
    ...(biasKey(problem) ? [`bias=${biasKey(problem)}`] : []),
    ...(rec ? [] : [normalizerKey(problem)]),
    `out[${outputSpecs(problem)
      .map((s) => s.name)
      .join(',')}]`,
  ];
  if (wantsTopk(problem)) parts.push(`topk=${problem.topk}`);
  const o = overviewBlocks(problem);
  if (o) parts.push(`overview=${o.br}x${o.bc}:${o.pool}`);
  if (!graphTarget(target).float64) parts.push('nof64');
  return parts.join('|');
}

export function graphFor(problem: AttentionProblem, target?: unknown): { key: string; model: Uint8Array } {
  const ctx = new GraphContext(graphTarget(target));
  const b = ctx.b;
  const rec = graphRecurrence(problem);
  if (rec) {
    const visible = pairVisibility(ctx, problem.masks);
    if (visible === null) throw new Error('a recurrence graph needs its causal mask');
    const visibleCount = causalVisibleCount(ctx, problem.masks)!;
    const norm = buildRecurrence(ctx, rec, visible);
    emitOutputs(ctx, problem, { scores: norm.weights, visible, visibleCount, norm });
    return { key: graphKey(problem, target), model: b.encode() };
  }
  if (problem.recurrence) throw new Error(`the ${problem.recurrence.id} recurrence has no graph: its rows are computed by src-shared/recurrence`);
  const scores = addBias(ctx, problem, buildScores(ctx, problem.metric));
  const visible = applyTopkMasks(ctx, problem.masks, scores, pairVisibility(ctx, problem.masks));
  const visibleCount =
    visible === null ? b.cast(ctx.keys(), 'float32') : (causalVisibleCount(ctx, problem.masks) ?? b.op('ReduceSum', [b.cast(visible, 'float32'), b.ints([-1])], { keepdims: 1 }));
  const neverEmpty = rowsNeverEmpty(problem.masks) && problem.normalizer !== 'kernel';
  const norm = normalize(ctx, problem, { scores, visible, visibleCount, neverEmpty });
  emitOutputs(ctx, problem, { scores, visible, visibleCount, norm });
  return { key: graphKey(problem, target), model: b.encode() };
}

/** Graph output names, in the order outputSpecs lists them. */
export function outputNames(problem: AttentionProblem): string[] {
  return outputSpecs(problem).map((s) => s.name);
}

/**
 * One tile's feeds, exactly the inputs graphFor(problem) declares: `heads` (int64 [1]), q
 * [rows, h·dq] (the tile's rows, its heads' columns), k [keys, h·dk] and v [keys, h·dv] for
 * the keys the tile needs (keys.ts), score scalars (float32 rank 0, `s_…`), per-head
 * parameters [h, …], mask feeds.
 */
export function feedsFor(problem: AttentionProblem, tile: Tile): Record<string, FeedTensor> {
  checkTile(problem, tile);
  const H = problem.heads;
  const { k0, k1 } = keyRange(problem, tile);
  const feeds: Record<string, FeedTensor> = {
    heads: { type: 'int64', data: BigInt64Array.of(BigInt(tile.h1 - tile.h0)), dims: [1] },
    q: headSlice(problem.q, H, tile.h0, tile.h1, tile.r0, tile.r1),
    k: headSlice(problem.k, H, tile.h0, tile.h1, k0, k1),
  };
  if (problem.outputs.includes('output')) feeds.v = headSlice(problem.v, H, tile.h0, tile.h1, k0, k1);
  if (problem.bias || problem.masks.some((m) => POSITIONAL.has(m.id))) {
    feeds.row0 = { type: 'int64', data: BigInt64Array.of(BigInt(tile.r0)), dims: [] };
    feeds.col0 = { type: 'int64', data: BigInt64Array.of(BigInt(k0)), dims: [] };
  }
  if (problem.recurrence) return Object.assign(feeds, maskFeeds(problem, tile, { k0, k1 }), recurrenceFeeds(problem, tile));
  for (const [name, value] of Object.entries(scoreScalars(problem.metric))) {
    feeds[scoreScalarInput(name)] = { type: 'float32', data: Float32Array.of(value), dims: [] };
  }
  const dims = { dq: problem.q.cols / H, dk: problem.k.cols / H };
  for (const p of scoreParams(problem.metric, dims)) feeds[p.name] = packHeads(p.perHead, p.shape, tile);
  return Object.assign(feeds, maskFeeds(problem, tile, { k0, k1 }), biasFeeds(problem, tile));
}

/**
 * The problem's shapes, checked with the reference's own checks (same messages in both
 * engines) before any tensor is built: a resolver bug is a clear error, not an ORT one.
 */
export function checkProblem(problem: AttentionProblem): void {
  const { heads, q, k, v } = problem;
  const dq = headWidth(q.cols, heads, 'query');
  const dk = headWidth(k.cols, heads, 'key');
  headWidth(v.cols, heads, 'value');
  if (v.rows !== k.rows) throw new Error(`the values need one row per key: ${k.rows} keys but ${v.rows} value rows`);
  checkMetricShapes(problem.metric, heads, dq, dk);
  checkMaskShapes(problem.masks, heads, q.rows, k.rows, dq, dk);
  checkBias(problem.bias, heads);
}

function checkTile(problem: AttentionProblem, t: Tile): void {
  checkProblem(problem);
  const ok =
    Number.isInteger(t.h0) &&
    Number.isInteger(t.h1) &&
    Number.isInteger(t.r0) &&
    Number.isInteger(t.r1) &&
    t.h0 >= 0 &&
    t.h0 < t.h1 &&
    t.h1 <= problem.heads &&
    t.r0 >= 0 &&
    t.r0 < t.r1 &&
    t.r1 <= problem.q.rows;
  if (!ok) throw new Error(`tile heads [${t.h0}, ${t.h1}) rows [${t.r0}, ${t.r1}) is outside the problem (${problem.heads} heads, ${problem.q.rows} rows)`);
}
