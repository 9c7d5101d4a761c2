/**
 * Lookups over a decoded ONNX graph for the capture's analysis (find-attention.ts): who
 * produces and who consumes each value, and the constants (initializers and Constant nodes)
 * with their numbers. Pure: onnx-proto's types only.
 */
import type onnxProto from 'onnx-proto';
import { float16ToFloat32 } from '../formats/bytes';

type Graph = onnxProto.onnx.IGraphProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;

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

  /** How many elements a constant holds (0 for a value that is not one). */
  constantSize(value: string): number {
    const t = this.constants.get(value);
    return t ? (t.dims ?? []).reduce<number>((n, d) => n * toInt(d), 1) : 0;
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
