/**
 * The graph's outputs. Always: entropy, visible (n_i), argmax (−1 for an empty row),
 * maxWeight, all [h, n]. On request: scores (blocked = −∞), weights, output = weights·V,
 * topkWeights/topkIndices [h, n, min(k, Tk)], overview [h, ⌈n/br⌉, ⌈Tk/bc⌉].
 *
 * Empty rows are cleaned with Where (per row where that suffices; the full [h, n, Tk]
 * weights only when weights, topk or the overview read them), so no NaN leaves the graph.
 */
import type { AttentionProblem } from '../job/problem';
import type { Dim, Elem } from './builder';
import type { GraphContext } from './context';
import type { Normalized } from './normalizers';
import { maskedScores } from './masks';

export interface OutputSpec {
  name: string;
  type: Elem;
  dims: Dim[];
}

export interface OverviewBlocks {
  br: number;
  bc: number;
  pool: 'mean' | 'max';
}

/** Block sizes of the overview (docs/semantics.md): br = ⌈Tq/rows⌉, bc = ⌈Tk/cols⌉. */
export function overviewBlocks(problem: AttentionProblem): OverviewBlocks | null {
  const o = problem.overview;
  if (!o) return null;
  return {
    br: Math.max(1, Math.ceil(problem.q.rows / o.rows)),
    bc: Math.max(1, Math.ceil(problem.k.rows / o.cols)),
    pool: o.pool,
  };
}

export const wantsTopk = (p: AttentionProblem): boolean => p.outputs.includes('topk') && Number.isInteger(p.topk) && p.topk >= 1;

/** Names, element types and dims of the outputs, in a fixed order. */
export function outputSpecs(problem: AttentionProblem): OutputSpec[] {
  const row: Dim[] = ['h', 'n'];
  const specs: OutputSpec[] = [
    { name: 'entropy', type: 'float32', dims: row },
    { name: 'visible', type: 'int32', dims: row },
    { name: 'argmax', type: 'int32', dims: row },
    { name: 'maxWeight', type: 'float32', dims: row },
  ];
  if (problem.outputs.includes('scores')) specs.push({ name: 'scores', type: 'float32', dims: ['h', 'n', 'tk'] });
  if (problem.outputs.includes('weights')) specs.push({ name: 'weights', type: 'float32', dims: ['h', 'n', 'tk'] });
  if (problem.outputs.includes('output')) specs.push({ name: 'output', type: 'float32', dims: ['h', 'n', 'dv'] });
  if (wantsTopk(problem)) {
    specs.push({ name: 'topkWeights', type: 'float32', dims: ['h', 'n', 'kk'] });
    specs.push({ name: 'topkIndices', type: 'int32', dims: ['h', 'n', 'kk'] });
  }
  if (problem.overview) specs.push({ name: 'overview', type: 'float32', dims: ['h', 'orows', 'ocols'] });
  if (problem.normalizer === 'kernel' && !problem.recurrence) {
    specs.push({ name: 'negCol', type: 'int32', dims: row });
    specs.push({ name: 'negScore', type: 'float32', dims: row });
  }
  if (problem.normalizer === 'sinkhorn' && !problem.recurrence) specs.push({ name: 'columnSums', type: 'float32', dims: ['h', 'tk'] });
  if (problem.recurrence) specs.push({ name: 'notDistribution', type: 'int32', dims: row });
  return specs;
}

export function emitOutputs(ctx: GraphContext, problem: AttentionProblem, x: { scores: string; visible: string | null; visibleCount: string; norm: Normalized }): void {
  const b = ctx.b;
  const { norm } = x;
  const values = new Map<string, string>();
  const perRow = (v: string) => b.op('Squeeze', [v, b.ints([2])]);
  // the fill is made only when used: an unused initializer is dead weight (and an ORT warning)
  const clean = (v: string, fill: () => string) => (norm.nonEmpty === null ? v : b.op('Where', [norm.nonEmpty, v, fill()]));
  const zero = () => b.scalar(0);
  const rowShape = b.op('Shape', [norm.maxWeight]);

  values.set('entropy', perRow(clean(b.op('Max', [norm.entropy, b.scalar(0)]), zero)));
  values.set('visible', perRow(b.cast(b.op('Expand', [x.visibleCount, rowShape]), 'int32')));
  values.set(
    'argmax',
    perRow(
      b.cast(
        clean(norm.argmax, () => b.scalar(-1, 'int64')),
        'int32',
      ),
    ),
  );
  values.set('maxWeight', perRow(clean(norm.maxWeight, zero)));
  for (const e of norm.extra) values.set(e.name, perRow(e.value));
  if (norm.columnSums) values.set('columnSums', norm.columnSums);

  // the full weights are cleaned once, and only when something reads them whole
  let cleanWeights: string | null = null;
  const weights = () => (cleanWeights ??= clean(norm.weights, zero));
  const wants = (k: string) => problem.outputs.includes(k as never);

  if (wants('scores')) values.set('scores', norm.masked ?? maskedScores(ctx, x.scores, x.visible));
  if (wants('weights')) values.set('weights', weights());
  if (wants('output')) {
    const v = ctx.headMajor(b.input('v', 'float32', ['tk', 'hdv']));
    // with the weights already clean, the product is; otherwise clean the [n, dv] rows, not [n, Tk]
    values.set('output', cleanWeights || norm.nonEmpty === null ? b.op('MatMul', [weights(), v]) : clean(b.op('MatMul', [norm.weights, v]), zero));
  }
  if (wantsTopk(problem)) {
    // uncleaned weights are safe here: an empty row's entries are all blocked (ranked −1) or finite
    const [w, i] = topkRows(ctx, problem.topk, norm.weights, x.visible, x.visibleCount, norm.nonEmpty, norm.rankBy);
    values.set('topkWeights', w);
    values.set('topkIndices', i);
  }
  const blocks = overviewBlocks(problem);
  if (blocks) values.set('overview', pooled(ctx, weights(), blocks));

  for (const spec of outputSpecs(problem)) {
    const v = values.get(spec.name);
    if (!v) throw new Error(`graph output '${spec.name}' was not built`);
    b.output(spec.name, v, spec.type, spec.dims);
  }
}

/**
 * Per row, the k' = min(k, Tk) largest weights among the visible keys (blocked keys rank at
 * −1, below every weight), ties to the lower index (TopK's order); slots past the row's
 * visible count, and all slots of an empty row, are index −1 and weight 0.
 */
function topkRows(ctx: GraphContext, k: number, weights: string, visible: string | null, count: string, nonEmpty: string | null, rankBy?: string): [string, string] {
  const b = ctx.b;
  // (rankBy, a recurrence's |A|, is ≥ 0: blocked keys at −1 still rank below every visible one)
  const order = rankBy ?? weights;
  const ranked = visible === null ? order : b.op('Where', [visible, order, b.scalar(-1)]);
  const kk = b.op('Min', [b.ints([k]), ctx.keys1()]);
  const [top, indices] = b.opN('TopK', [ranked, kk], 2, { axis: -1, largest: 1, sorted: 1 });
  const values = rankBy ? b.op('GatherElements', [weights, indices], { axis: -1 }) : top;
  const slot = b.cast(b.op('Range', [b.scalar(0, 'int64'), b.op('Squeeze', [kk, b.ints([0])]), b.scalar(1, 'int64')]), 'float32');
  let real = b.op('Less', [slot, count]);
  if (nonEmpty !== null) real = b.op('And', [real, nonEmpty]);
  return [b.op('Where', [real, values, b.scalar(0)]), b.cast(b.op('Where', [real, indices, b.scalar(-1, 'int64')]), 'int32')];
}

/**
 * The overview: weights pooled in br × bc blocks. The caller makes tile rows a multiple of
 * br, so row blocks never straddle tiles; the last block of each axis may be partial.
 * ceil_mode covers the partial block, and AveragePool's count_include_pad = 0 divides it by
 * its real cell count (blocked cells are weight 0 and do count, as the semantics say).
 */
function pooled(ctx: GraphContext, weights: string, o: OverviewBlocks): string {
  const b = ctx.b;
  const image = b.op('Unsqueeze', [weights, b.ints([1])]); // [h, 1, n, Tk]: heads as the batch
  const attrs = { kernel_shape: [o.br, o.bc], strides: [o.br, o.bc], ceil_mode: 1 };
  const pooledImage = b.op(o.pool === 'mean' ? 'AveragePool' : 'MaxPool', [image], o.pool === 'mean' ? { ...attrs, count_include_pad: 0 } : attrs);
  return b.op('Squeeze', [pooledImage, b.ints([1])]);
}
