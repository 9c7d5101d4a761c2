/**
 * Scalar scales on the way to and from the score MatMul (find-attention.ts walks back through
 * them so that hook_q and hook_k are q and k before any scaling, and records the factors).
 */
import type onnxProto from 'onnx-proto';
import type { GraphIndex } from './graph-index';

type Node = onnxProto.onnx.INodeProto;

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

export const NO_SCALE: Scale = { constant: 1, computed: [] };

export function times(a: Scale, b: Scale): Scale {
  return { constant: a.constant * b.constant, computed: [...a.computed, ...b.computed] };
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
  // torch.full([], value.size(-1) ** 0.5) (GPT-2's scale) exports as ConstantOfShape + Add
  'ConstantOfShape',
  'Expand',
  'Neg',
  'Max',
  'Min',
]);

/** the most elements a constant in shape arithmetic has (axes, a few dimensions); a table (a RoPE cos cache) is data */
const SHAPE_CONSTANT_MAX = 64;

/**
 * Whether a value is computed from tensor shapes and small constants only (Shape / Size of
 * anything, then scalar arithmetic): known before the data, never the data itself.
 */
function fromShapes(index: GraphIndex, value: string, depth = 0): boolean {
  if (index.isConstant(value)) return index.constantSize(value) <= SHAPE_CONSTANT_MAX;
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
export function scaleStep(index: GraphIndex, node: Node): { scale: Scale; input: string } | null {
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
