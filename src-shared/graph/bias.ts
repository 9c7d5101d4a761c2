/**
 * A score bias in the graph (problem.ts `bias`): ALiBi adds −m_h·|i + offset − j| to head h's
 * scores before any mask. i and j are the tile's absolute rows and keys (the `row0`/`col0`
 * feeds, shared with the positional masks); the slopes ([h, 1, 1], the tile's heads) and the
 * offset (an int32 scalar) are feeds, so one session serves every slope and sequence length.
 * The distance is taken in float32 (exact to 2^24), whose Abs every backend has.
 */
import type { AttentionProblem } from '../job/problem';
import type { GraphContext } from './context';
import type { FeedTensor, Tile } from './feeds';

export const biasKey = (problem: AttentionProblem): string | null => (problem.bias ? problem.bias.id : null);

/** scores + bias, or the scores themselves when the problem has none. */
export function addBias(ctx: GraphContext, problem: AttentionProblem, scores: string): string {
  if (!problem.bias) return scores;
  const b = ctx.b;
  const offset = b.input('bias_offset', 'int32', []);
  const slopes = b.input('bias_slopes', 'float32', ['h', 1, 1]);
  const distance = b.op('Abs', [b.cast(b.op('Add', [ctx.rowMinusCol(), offset]), 'float32')]); // [n, Tk]
  return b.op('Sub', [scores, b.op('Mul', [slopes, distance])]);
}

/** The bias feeds of one tile. */
export function biasFeeds(problem: AttentionProblem, tile: Tile): Record<string, FeedTensor> {
  const bias = problem.bias;
  if (!bias) return {};
  return {
    bias_offset: { type: 'int32', data: Int32Array.of(bias.offset), dims: [] },
    bias_slopes: { type: 'float32', data: Float32Array.from(bias.slopes.slice(tile.h0, tile.h1)), dims: [tile.h1 - tile.h0, 1, 1] },
  };
}
