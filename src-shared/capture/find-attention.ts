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
import { float16ToFloat32 } from '../formats/bytes';

type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

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

/**
 * A product of scalar factors: constants, folded into `constant`, and values the graph computes
 * from shapes at run time (torch's scaled_dot_product_attention export multiplies q and kᵀ by
 * √(1/√d_head) computed from Shape), which a capture taps and multiplies in (or divides by).
 */
export interface Scale {
  constant: number;
  computed: ComputedFactor[];
}

export interface ComputedFactor {
  value: string;
  divide: boolean;
}

const NO_SCALE: Scale = { constant: 1, computed: [] };

function times(a: Scale, b: Scale): Scale {
  return { constant: a.constant * b.constant, computed: [...a.computed, ...b.computed] };
}

/** The values a capture must fetch to know a tap's scales. */
export function computedFactors(tap: AttentionTap): string[] {
  return [tap.qScale, tap.kScale, tap.scoreScale].flatMap((s) => s.computed.map((f) => f.value));
}

/** A scale's number, once the computed factors' values are known. */
export function scaleValue(scale: Scale, values: ReadonlyMap<string, number>): number {
  let x = scale.constant;
  for (const f of scale.computed) {
    const v = values.get(f.value) ?? NaN;
    x = f.divide ? x / v : x * v;
  }
  return x;
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

/** int64 fields arrive as protobufjs Longs (or numbers, without Long) */
export function toInt(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

/** The graph's lookup tables, built once. */
export class GraphIndex {
  readonly producer = new Map<string, { node: Node; index: number }>();
  readonly consumers = new Map<string, Node[]>();
  readonly constants = new Map<string, Tensor>();
  readonly initializers = new Set<string>();

  constructor(readonly graph: Graph) {
    for (const t of graph.initializer ?? []) {
      if (!t.name) continue;
      this.constants.set(t.name, t);
      this.initializers.add(t.name);
    }
    (graph.node ?? []).forEach((node, index) => {
      for (const out of node.output ?? []) if (out) this.producer.set(out, { node, index });
      for (const input of node.input ?? []) {
        if (!input) continue;
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
      if (node.opType === 'Constant' && node.output?.[0]) {
        const value = node.attribute?.find((a) => a.name === 'value')?.t;
        if (value) this.constants.set(node.output[0], value);
      }
    });
  }

  /** A node's name for messages and metadata: its own, or its place in the node list. */
  nodeName(node: Node): string {
    if (node.name) return node.name;
    const index = (this.graph.node ?? []).indexOf(node);
    return `#${index}`;
  }

  isConstant(value: string): boolean {
    return this.constants.has(value);
  }

  /** The value of a float constant with one element, or null. */
  scalar(value: string): number | null {
    const t = this.constants.get(value);
    if (!t) return null;
    const values = floatValues(t);
    return values && values.length === 1 ? values[0] : null;
  }
}

const FLOAT = 1;
const FLOAT16 = 10;
const DOUBLE = 11;

/** The numbers of a float / double / float16 tensor proto (raw or typed fields), or null. */
export function floatValues(t: Tensor): number[] | null {
  // a copy, aligned at 0 (protobufjs's rawData may be a view into the whole model's buffer)
  const raw = t.rawData && t.rawData.length > 0 ? new Uint8Array(t.rawData) : null;
  if (t.dataType === FLOAT) {
    if (raw) return Array.from(new Float32Array(raw.buffer, 0, raw.length >> 2));
    return t.floatData ? Array.from(t.floatData) : null;
  }
  if (t.dataType === DOUBLE) {
    if (raw) return Array.from(new Float64Array(raw.buffer, 0, raw.length >> 3));
    return t.doubleData ? Array.from(t.doubleData) : null;
  }
  if (t.dataType === FLOAT16) {
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      return Array.from({ length: raw.length >> 1 }, (_, i) => float16ToFloat32(view.getUint16(2 * i, true)));
    }
    // float16 in the typed field: one value per int32
    return t.int32Data ? Array.from(t.int32Data, (bits) => float16ToFloat32(bits)) : null;
  }
  return null;
}

/** ops a value computed from shapes alone may pass through (scalar arithmetic on dimensions) */
const SHAPE_ARITHMETIC = new Set([
  'Cast',
  'CastLike',
  'Sqrt',
  'Reciprocal',
  'Div',
  'Mul',
  'Add',
  'Sub',
  'Pow',
  'Gather',
  'Slice',
  'Squeeze',
  'Unsqueeze',
  'Reshape',
  'Concat',
  'Identity',
]);

/**
 * Whether a value is computed from tensor shapes and constants only (Shape / Size of anything,
 * then scalar arithmetic): small, known before the data, never the data itself.
 */
function fromShapes(index: GraphIndex, value: string, depth = 0): boolean {
  if (index.isConstant(value)) return true;
  const p = index.producer.get(value)?.node;
  if (!p || depth > 16) return false;
  if (p.opType === 'Shape' || p.opType === 'Size') return true;
  if (!SHAPE_ARITHMETIC.has(p.opType ?? '')) return false;
  return (p.input ?? []).every((x) => !x || fromShapes(index, x, depth + 1));
}

/**
 * A scalar scale: Mul by a constant scalar or a value computed from shapes (either side), or Div
 * by one; the factor and the other input. The factor of a computed value is known at run time.
 */
function scaleStep(index: GraphIndex, node: Node): { scale: Scale; input: string } | null {
  const [a, b] = node.input ?? [];
  if (!a || !b || (node.opType !== 'Mul' && node.opType !== 'Div')) return null;
  const divide = node.opType === 'Div';
  const factor = (x: string, other: string): { scale: Scale; input: string } | null => {
    if (fromShapes(index, other)) return null;
    const c = index.scalar(x);
    if (c !== null) return c === 0 && divide ? null : { scale: { constant: divide ? 1 / c : c, computed: [] }, input: other };
    if (!index.isConstant(x) && fromShapes(index, x)) return { scale: { constant: 1, computed: [{ value: x, divide }] }, input: other };
    return null;
  };
  return factor(b, a) ?? (divide ? null : factor(a, b));
}

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
  // a product with, or a quotient by, a tensor (not a scalar): no score chain
  if (p.opType === 'Mul' || p.opType === 'Div') return null;
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
export function findAttention(graph: Graph, modelName: string): AttentionTap[] {
  const index = new GraphIndex(graph);
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
    if (!output || !qIn || !ktIn || !v) continue;
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
export function vocabularySize(graph: Graph, input = 'input_ids'): number | null {
  const index = new GraphIndex(graph);
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
