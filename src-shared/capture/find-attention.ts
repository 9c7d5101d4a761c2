/**
 * Finding the attention blocks of an exported ONNX model (`qklab capture`): pure analysis of
 * the decoded graph, no runtime. An attention block is
 *
 *     Softmax( [scale] [mask / bias] MatMul(Q, Kᵀ) ) → MatMul(·, V)
 *
 * where between the score MatMul and the Softmax there may be a scale (Div / Mul by a scalar
 * constant), a mask or bias (Add, Sub, Where) and casts; and Q (and Kᵀ) may themselves have
 * been scaled by a scalar before the MatMul (torch's `nn.MultiheadAttention` divides q by
 * √d_head first). Both layouts exporters produce are found, since the analysis never depends
 * on the rank: [B, H, T, d_head] (Hugging Face-style blocks) and [B·H, T, d_head]
 * (`nn.MultiheadAttention`'s bmm). The runtime shapes tell them apart (layout.ts).
 *
 * Layers are numbered in graph order of their Softmax nodes (ONNX lists nodes topologically).
 * Messages name the model file, the op types and the inputs; they never quote the model's
 * contents.
 */
import type onnxProto from 'onnx-proto';
import { GraphIndex, toInt } from './graph-index';
import { NO_SCALE, scaleStep, times, type Scale } from './scales';

type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;

/** One attention block: the values to tap and the nodes they were found at. */
export interface AttentionTap {
  /** index in graph order of the Softmax nodes that are attention blocks */
  layer: number;
  /** node names (as the model spells them; an unnamed node is `#index` in the graph's node list) */
  softmaxNode: string;
  scoresNode: string;
  outputNode: string;
  /** value names to add as graph outputs */
  q: string;
  k: string;
  v: string;
  pattern: string;
  /** the tapped k value is Kᵀ ([…, d_head, T]): the exporter transposed k in a way not walked back through */
  kTransposed: boolean;
  /** the scales applied to q / k before the score MatMul (walked back through), and to the scores after it */
  qScale: Scale;
  kScale: Scale;
  scoreScale: Scale;
}

/** The values a capture must fetch to know a tap's scales. */
export function computedFactors(tap: AttentionTap): string[] {
  return [tap.qScale, tap.kScale, tap.scoreScale].flatMap((s) => s.computed.map((f) => f.value));
}

/** A model that cannot be captured; the message names the model file and what is missing. */
export class CaptureModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureModelError';
  }
}

/**
 * Fused attention ops: onnxruntime's contrib ops (com.microsoft) and ONNX's own Attention
 * (opset 23), which hide q, k and the pattern inside one node.
 */
export const FUSED_ATTENTION_OPS: readonly string[] = [
  'Attention',
  'MultiHeadAttention',
  'GroupQueryAttention',
  'PackedAttention',
  'PackedMultiHeadAttention',
  'DecoderAttention',
  'DecoderMaskedMultiHeadAttention',
  'DecoderMaskedSelfAttention',
  'QAttention',
  'QOrderedAttention',
  'LongformerAttention',
  'SparseAttention',
  'PagedAttention',
];

/** ops the walk from a Softmax back to its score MatMul passes through (elementwise, shape-keeping) */
const SCORE_CHAIN_OPS = new Set(['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Identity']);
/** ops the walk from a Softmax forward to its MatMul with V passes through */
const PATTERN_CHAIN_OPS = new Set(['Cast', 'Identity', 'Dropout', 'Where', 'Mul']);
const MAX_CHAIN = 8;

/**
 * From a Softmax's input back to the MatMul whose output it normalises, through SCORE_CHAIN_OPS;
 * the product of the scalar scales passed on the way. Null when the input is not such a chain.
 */
function scoreMatMul(index: GraphIndex, value: string, depth = 0): { matmul: Node; scale: Scale } | null {
  const p = index.producer.get(value)?.node;
  if (!p) return null;
  if (p.opType === 'MatMul') return { matmul: p, scale: NO_SCALE };
  if (depth >= MAX_CHAIN || !SCORE_CHAIN_OPS.has(p.opType ?? '')) return null;
  const step = scaleStep(index, p);
  if (step) {
    const found = scoreMatMul(index, step.input, depth + 1);
    return found && { matmul: found.matmul, scale: times(found.scale, step.scale) };
  }
  // scores divided by a divisor not recognised as a scalar: the dividend, by a factor unknown (NaN)
  if (p.opType === 'Div') {
    const found = p.input?.[0] ? scoreMatMul(index, p.input[0], depth + 1) : null;
    return found && { matmul: found.matmul, scale: { constant: NaN, computed: [] } };
  }
  // a product with a tensor (not a scalar): no score chain
  if (p.opType === 'Mul') return null;
  // Where(cond, x, y): the data inputs; Add / Sub / Cast / Identity: every input that is not a constant
  const inputs = (p.opType === 'Where' ? (p.input ?? []).slice(1) : (p.input ?? [])).filter((x) => x && !index.isConstant(x));
  for (const input of inputs) {
    const found = scoreMatMul(index, input, depth + 1);
    if (found) return found;
  }
  return null;
}

/** From the Softmax's output forward to the MatMul that takes it as its first input (× V). */
function valueMatMul(index: GraphIndex, value: string, depth = 0): Node | null {
  for (const c of index.consumers.get(value) ?? []) {
    if (c.opType === 'MatMul' && c.input?.[0] === value) return c;
    if (depth < MAX_CHAIN && PATTERN_CHAIN_OPS.has(c.opType ?? '') && c.output?.[0]) {
      if (c.opType === 'Mul' && !scaleStep(index, c)) continue;
      const found = valueMatMul(index, c.output[0], depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** Whether a Transpose's `perm` swaps the last two axes and keeps the others. */
function swapsLastTwo(node: Node): boolean {
  const perm = node.attribute?.find((a) => a.name === 'perm')?.ints?.map(toInt);
  if (!perm || perm.length < 2) return false;
  const n = perm.length;
  return perm.every((p, i) => (i === n - 1 ? p === n - 2 : i === n - 2 ? p === n - 1 : p === i));
}

/** Back from an operand of the score MatMul through scalar scales (and, for Kᵀ, a last-two-axes Transpose). */
function walkBackOperand(index: GraphIndex, value: string, transposed: boolean): { value: string; scale: Scale; transposed: boolean } {
  let scale = NO_SCALE;
  for (let step = 0; step < MAX_CHAIN; step++) {
    const p = index.producer.get(value)?.node;
    if (!p) break;
    const s = scaleStep(index, p);
    if (s) {
      scale = times(scale, s.scale);
      value = s.input;
      continue;
    }
    if (transposed && p.opType === 'Transpose' && swapsLastTwo(p) && p.input?.[0]) {
      value = p.input[0];
      transposed = false;
      continue;
    }
    break;
  }
  return { value, scale, transposed };
}

function fusedOpError(modelName: string, node: Node): CaptureModelError {
  const domain = node.domain ? ` (${node.domain})` : '';
  return new CaptureModelError(
    `${modelName}: attention is fused into ${node.opType}${domain} ops, which keep q, k and the pattern inside them; qklab capture needs the unfused graph (Softmax of MatMul(Q, Kᵀ), then MatMul with V): export the model without attention fusion (e.g. before onnxruntime's transformer optimizer)`,
  );
}

/**
 * Every attention block of the graph, in graph order of their Softmax nodes. A model with a
 * fused attention op, with no Softmax, or with no Softmax of a MatMul(Q, Kᵀ) is an error that
 * names the model file.
 */
export function findAttention(graph: Graph, modelName: string, index = new GraphIndex(graph)): AttentionTap[] {
  const nodes = graph.node ?? [];
  const fused = nodes.find((n) => FUSED_ATTENTION_OPS.includes(n.opType ?? '') && (!n.domain || n.domain === 'com.microsoft'));
  if (fused) throw fusedOpError(modelName, fused);
  const softmaxes = nodes.filter((n) => n.opType === 'Softmax');
  if (softmaxes.length === 0) {
    throw new CaptureModelError(`${modelName}: the model has no Softmax node, so no attention block to capture (one is a Softmax of MatMul(Q, Kᵀ), then MatMul with V)`);
  }
  const taps: AttentionTap[] = [];
  for (const softmax of softmaxes) {
    const input = softmax.input?.[0];
    const pattern = softmax.output?.[0];
    if (!input || !pattern) continue;
    const scores = scoreMatMul(index, input);
    if (!scores) continue;
    const output = valueMatMul(index, pattern);
    const [qIn, ktIn] = scores.matmul.input ?? [];
    const v = output?.input?.[1];
    // a constant Kᵀ is a projection's weight (a classifier or router over a Linear), not keys
    if (!output || !qIn || !ktIn || !v || index.isConstant(ktIn)) continue;
    const q = walkBackOperand(index, qIn, false);
    const k = walkBackOperand(index, ktIn, true);
    taps.push({
      layer: taps.length,
      softmaxNode: index.nodeName(softmax),
      scoresNode: index.nodeName(scores.matmul),
      outputNode: index.nodeName(output),
      q: q.value,
      k: k.value,
      v,
      pattern,
      kTransposed: k.transposed,
      qScale: q.scale,
      kScale: k.scale,
      scoreScale: scores.scale,
    });
  }
  if (taps.length === 0) {
    const n = softmaxes.length;
    throw new CaptureModelError(
      `${modelName}: no attention block found: none of its ${n} Softmax node${n === 1 ? '' : 's'} normalises a MatMul(Q, Kᵀ) (through an optional scale, mask or bias) whose result is multiplied by V`,
    );
  }
  return taps;
}

/** The graph's inputs that are not initializers: what a run must feed. */
export function requiredInputs(graph: Graph): string[] {
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? []).map((i) => i.name ?? '').filter((name) => name && !initializers.has(name));
}

/**
 * The vocabulary size: rows of the embedding table that `input` indexes (a Gather of a 2-D
 * initializer by the input, directly or through a Cast). Null when the graph does not show it.
 */
export function vocabularySize(graph: Graph, input = 'input_ids', index = new GraphIndex(graph)): number | null {
  const indices = new Set([input]);
  for (const c of index.consumers.get(input) ?? []) if (c.opType === 'Cast' && c.output?.[0]) indices.add(c.output[0]);
  for (const node of graph.node ?? []) {
    if (node.opType !== 'Gather' || !indices.has(node.input?.[1] ?? '')) continue;
    const table = index.constants.get(node.input?.[0] ?? '');
    const axis = toInt(node.attribute?.find((a) => a.name === 'axis')?.i ?? 0);
    if (table?.dims?.length === 2 && axis === 0) return toInt(table.dims[0]);
  }
  return null;
}
