/** Small hand-made ONNX graphs for the capture tests (onnx-proto, as src-shared/graph/builder.ts writes them). */
import onnxProto from 'onnx-proto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'model-capture');
export const EXPECTED_IDS = [3, 14, 15, 9, 26, 5, 35, 8, 49, 0];
export const VOCAB = 50;

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

export function decodeFixture(name: string): onnxProto.onnx.ModelProto {
  return onnx.ModelProto.decode(fixtureBytes(name));
}

/** One node: `op(inputs) → outputs`, with optional domain and attributes (ints, a float, or `{ i }` an int). */
export function node(op: string, input: string[], output: string[], attrs: Record<string, number[] | number | { i: number }> = {}, domain = ''): onnxProto.onnx.INodeProto {
  const T = onnx.AttributeProto.AttributeType;
  return {
    opType: op,
    name: `${op}_${output[0]}`,
    domain,
    input,
    output,
    attribute: Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v) ? { name, type: T.INTS, ints: v } : typeof v === 'number' ? { name, type: T.FLOAT, f: v } : { name, type: T.INT, i: v.i },
    ),
  };
}

export function int64Tensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dataType: INT64, dims, rawData: new Uint8Array(data.buffer) };
}

export function floatTensor(name: string, dims: number[], values: number[]): onnxProto.onnx.ITensorProto {
  const data = Float32Array.from(values);
  return { name, dataType: FLOAT, dims, rawData: new Uint8Array(data.buffer) };
}

/** A model over `input_ids` int64 [1, T] (and any extra inputs) with the given nodes and initializers; `out` float output. */
export function model(nodes: onnxProto.onnx.INodeProto[], init: onnxProto.onnx.ITensorProto[], out: string, extraInputs: string[] = [], domains: string[] = []): Uint8Array {
  const input = (name: string) => ({ name, type: { tensorType: { elemType: INT64, shape: { dim: [{ dimValue: 1 }, { dimParam: 'T' }] } } } });
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'qklab-test',
    opsetImport: [{ domain: '', version: 17 }, ...domains.map((domain) => ({ domain, version: 1 }))],
    graph: {
      name: 'test',
      node: nodes,
      initializer: init,
      input: [input('input_ids'), ...extraInputs.map(input)],
      output: [{ name: out, type: { tensorType: { elemType: FLOAT } } }],
    },
  });
  return onnx.ModelProto.encode(m).finish();
}

/** A deterministic table of `n` values in [-1, 1). */
export function table(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31) * 2 - 1;
  });
}

/**
 * A one-head attention on an embedding of `vocab` × `d`: q = x, kᵀ = Transpose(k · 0.5) with
 * the last two axes swapped, v = x, scores / √d, softmax, × v. Its graph has the k scale and
 * transpose that find-attention walks back through.
 */
export function oneHeadModel(vocab = 10, d = 4): Uint8Array {
  return model(
    [
      node('Gather', ['emb', 'input_ids'], ['x']),
      node('Mul', ['x', 'half'], ['k_scaled']),
      node('Transpose', ['k_scaled'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['x', 'kt'], ['scores']),
      node('Div', ['scores', 'sqrt_d'], ['scaled']),
      node('Softmax', ['scaled'], ['pattern']),
      node('MatMul', ['pattern', 'x'], ['out']),
    ],
    [floatTensor('emb', [vocab, d], table(vocab * d)), floatTensor('half', [], [0.5]), floatTensor('sqrt_d', [], [Math.sqrt(d)])],
    'out',
  );
}

export interface ReadTensor {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** A whole .safetensors file (F32 tensors), read plainly: its tensors by name and its metadata. */
export function readSafetensors(bytes: Uint8Array): { tensors: Map<string, ReadTensor>; metadata: Record<string, string>; headerLength: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const tensors = new Map<string, ReadTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as unknown as Record<string, string>;
      continue;
    }
    const [begin, end] = info.data_offsets;
    const data = new Float32Array(bytes.slice(8 + n + begin, 8 + n + end).buffer);
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data });
  }
  return { tensors, metadata, headerLength: n };
}

/**
 * A one-head attention scaled as torch's scaled_dot_product_attention exports it: q and kᵀ
 * each multiplied by √(1/√d), d read from the Shape of q at run time. q = k = v = the embeddings.
 */
export function sdpaModel(vocab = 10, d = 4): Uint8Array {
  return model(
    [
      node('Gather', ['emb', 'input_ids'], ['x']),
      node('Shape', ['x'], ['shape']),
      node('Gather', ['shape', 'last'], ['d_int']),
      node('Cast', ['d_int'], ['d_float'], { to: { i: FLOAT } }),
      node('Sqrt', ['d_float'], ['sqrt_d']),
      node('Div', ['one', 'sqrt_d'], ['scale']),
      node('Sqrt', ['scale'], ['sqrt_scale']),
      node('Mul', ['x', 'sqrt_scale'], ['q_scaled']),
      node('Transpose', ['x'], ['kt'], { perm: [0, 2, 1] }),
      node('Mul', ['kt', 'sqrt_scale'], ['kt_scaled']),
      node('MatMul', ['q_scaled', 'kt_scaled'], ['scores']),
      node('Softmax', ['scores'], ['pattern']),
      node('MatMul', ['pattern', 'x'], ['out']),
    ],
    [floatTensor('emb', [vocab, d], table(vocab * d)), int64Tensor('last', [], [-1]), floatTensor('one', [], [1])],
    'out',
  );
}

/**
 * A one-head attention whose scores are divided as GPT-2's eager attention exports it:
 * `/ torch.full([], v.size(-1) ** 0.5)`, i.e. ConstantOfShape + Add of a Pow of the Shape.
 */
export function gpt2ScaleModel(vocab = 10, d = 4): Uint8Array {
  return model(
    [
      node('Gather', ['emb', 'input_ids'], ['x']),
      node('Transpose', ['x'], ['kt'], { perm: [0, 2, 1] }),
      node('MatMul', ['x', 'kt'], ['scores']),
      node('Shape', ['x'], ['shape']),
      node('Gather', ['shape', 'last'], ['d_int']),
      node('Cast', ['d_int'], ['d_float'], { to: { i: FLOAT } }),
      node('Pow', ['d_float', 'half'], ['sqrt_d']),
      node('ConstantOfShape', ['no_dims'], ['zero']),
      node('Add', ['zero', 'sqrt_d'], ['full']),
      node('Div', ['scores', 'full'], ['scaled']),
      node('Softmax', ['scaled'], ['pattern']),
      node('MatMul', ['pattern', 'x'], ['out']),
    ],
    [floatTensor('emb', [vocab, d], table(vocab * d)), int64Tensor('last', [], [-1]), floatTensor('half', [], [0.5]), int64Tensor('no_dims', [0], [])],
    'out',
  );
}
