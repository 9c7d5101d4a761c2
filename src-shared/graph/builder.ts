/**
 * A tiny DSL over onnx-proto: values are plain strings (ONNX value names), `op` appends a
 * node and returns its output name, constants become (deduplicated) initializers. Pure TS,
 * no runtime: the engine turns `encode()` bytes into a session elsewhere.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types the lab uses (names follow onnxruntime's tensor type strings). */
export type Elem = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';
/** A dimension: a fixed size or a symbolic name shared across inputs/outputs. */
export type Dim = number | string;
/** number → INT, number[] → INTS, string → STRING, {f} → FLOAT. */
export type AttrValue = number | number[] | string | { f: number };

export const OPSET = 17;

const DTYPE: Record<Elem, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
};

function rawBytes(type: Elem, values: ArrayLike<number>): Uint8Array {
  let arr: ArrayBufferView;
  switch (type) {
    case 'float32':
      arr = Float32Array.from(values);
      break;
    case 'float64':
      arr = Float64Array.from(values);
      break;
    case 'int64':
      arr = BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(v))));
      break;
    case 'int32':
      arr = Int32Array.from(values);
      break;
    case 'bool':
    case 'uint8':
      arr = Uint8Array.from(values, (v) => (type === 'bool' ? (v ? 1 : 0) : v));
      break;
  }
  // ONNX raw_data is little-endian, which is what every JS engine we run on uses
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function valueInfo(name: string, type: Elem, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DTYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  return { name, type: T.FLOAT, f: v.f };
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly inputNames = new Set<string>();
  /** values renamed to a graph output's name (later uses of the old name must follow) */
  private readonly renamed = new Map<string, string>();
  private counter = 0;

  /** A fresh value name; the prefix only helps reading profiles and errors. */
  fresh(prefix = 't'): string {
    return `${prefix}_${this.counter++}`;
  }

  input(name: string, type: Elem, dims: Dim[]): string {
    if (this.inputNames.has(name)) return name;
    this.inputNames.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /**
   * Declares `value` a graph output under `name`. A node's output is renamed in place (an
   * Identity to a graph output can cost a copy of a T² tensor); inputs, constants and values
   * already exported under another name go through an Identity.
   */
  output(name: string, value: string, type: Elem, dims: Dim[]): void {
    const producer = this.nodes.find((n) => n.output?.includes(value));
    const exported = this.outputs.some((o) => o.name === value);
    if (value !== name && producer && !exported && !this.renamed.has(value)) {
      for (const n of this.nodes) {
        n.input = n.input?.map((x) => (x === value ? name : x));
        n.output = n.output?.map((x) => (x === value ? name : x));
      }
      this.renamed.set(value, name);
    } else if (value !== name) {
      this.op('Identity', [this.renamed.get(value) ?? value], {}, name);
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Appends a node with one output and returns the output's name. */
  op(type: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    return this.opN(type, inputs, 1, attrs, out ? [out] : undefined)[0];
  }

  /** Appends a node with `n` outputs. An empty input name means "optional input omitted". */
  opN(type: string, inputs: string[], n: number, attrs: Record<string, AttrValue> = {}, outs?: string[]): string[] {
    const output = outs ?? Array.from({ length: n }, () => this.fresh(type.toLowerCase()));
    this.nodes.push({
      opType: type,
      name: `${type}_${this.nodes.length}`,
      input: inputs,
      output,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Cast to one of the lab's element types. */
  cast(value: string, to: Elem): string {
    return this.op('Cast', [value], { to: DTYPE[to] });
  }

  /** A constant tensor, stored as an initializer; equal constants share one name. */
  tensor(type: Elem, values: ArrayLike<number>, dims: number[]): string {
    const key = `${type}|${dims.join(',')}|${Array.from(values).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh(`c_${type}`);
    this.initializers.push({ name, dataType: DTYPE[type], dims, rawData: rawBytes(type, values) });
    this.constants.set(key, name);
    return name;
  }

  /** A rank-0 constant (broadcasts against anything). */
  scalar(value: number, type: Elem = 'float32'): string {
    return this.tensor(type, [value], []);
  }

  /** A rank-1 int64 constant, the form Reshape/Unsqueeze/ReduceSum/Slice want for axes and shapes. */
  ints(values: number[]): string {
    return this.tensor('int64', values, [values.length]);
  }

  encode(producer = 'qklab'): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: 'attention',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
