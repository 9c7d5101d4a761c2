/**
 * Decoding a dense numeric tensor stored in a binary file (.npy, .safetensors) into the lab's
 * T × D float32 rows. A 2-D [T, d] tensor maps directly; a 3-D [H, T, d] tensor becomes
 * T × (H·d) with head h in columns [h·d, (h+1)·d). The data is read in chunks, so progress
 * and cancellation work and the raw bytes are never held whole next to the output.
 */
import { DEFAULT_CHUNK_SIZE, bfloat16ToFloat32, float16ToFloat32, progressReporter, readExactly, throwIfAborted } from './bytes';
import { float32Problem } from './numbers';
import { allocFloats } from './output';
import { FormatError, type ByteSource, type Embeddings } from './types';

export interface NumericDtype {
  /** bytes per element */
  size: number;
  littleEndian: boolean;
  /** integers can never be non-finite, so their check is skipped */
  isFloat: boolean;
  read(view: DataView, at: number): number;
}

export type DtypeKind = 'float' | 'int' | 'uint' | 'bfloat';

/** The reader for a dtype, or null when the lab cannot read it. */
export function numericDtype(kind: DtypeKind, size: number, littleEndian: boolean): NumericDtype | null {
  const le = littleEndian;
  const make = (isFloat: boolean, read: (v: DataView, at: number) => number): NumericDtype => ({ size, littleEndian, isFloat, read });
  switch (`${kind}${size}`) {
    case 'float2':
      return make(true, (v, at) => float16ToFloat32(v.getUint16(at, le)));
    case 'bfloat2':
      return make(true, (v, at) => bfloat16ToFloat32(v.getUint16(at, le)));
    case 'float4':
      return make(true, (v, at) => v.getFloat32(at, le));
    case 'float8':
      return make(true, (v, at) => v.getFloat64(at, le));
    case 'int1':
      return make(false, (v, at) => v.getInt8(at));
    case 'uint1':
      return make(false, (v, at) => v.getUint8(at));
    case 'int2':
      return make(false, (v, at) => v.getInt16(at, le));
    case 'uint2':
      return make(false, (v, at) => v.getUint16(at, le));
    case 'int4':
      return make(false, (v, at) => v.getInt32(at, le));
    case 'uint4':
      return make(false, (v, at) => v.getUint32(at, le));
    case 'int8':
      return make(false, (v, at) => Number(v.getBigInt64(at, le)));
    case 'uint8':
      return make(false, (v, at) => Number(v.getBigUint64(at, le)));
    default:
      return null;
  }
}

export interface StoredTensor {
  /** file offset of the first element */
  dataOffset: number;
  dtype: NumericDtype;
  /** [T, d] or [H, T, d], as stored (any rank when `flat`) */
  shape: number[];
  /** column-major storage (first axis fastest), as .npy's fortran_order */
  fortran: boolean;
  /**
   * Keep the stored axes in C order (last axis fastest) instead of moving heads to columns:
   * rows are every index but the last, so [pos, head, d] becomes pos × (head·d) and
   * [head, q, k] becomes (head·q) × k. Captures read their tensors this way.
   */
  flat?: boolean;
  /** the place of one element, for messages: e.g. "tensor 'wte', element [3, 5] (byte 1234)" */
  describe(index: number[], byte: number): string;
}

export interface DecodeOptions {
  chunkSize?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Output shape of a stored 2-D or 3-D tensor (any rank ≥ 1 when `flat`): rows T and row width D. */
export function outputShape(shape: readonly number[], flat = false): { T: number; D: number } {
  if (flat) return { T: shape.slice(0, -1).reduce((a, b) => a * b, 1), D: shape[shape.length - 1] };
  return shape.length === 3 ? { T: shape[1], D: shape[0] * shape[2] } : { T: shape[0], D: shape[1] };
}

/**
 * Reads and converts the tensor. The caller has already checked that the data lies inside
 * the file and that the output fits in maxBytes.
 */
export async function decodeTensor(source: ByteSource, tensor: StoredTensor, options: DecodeOptions = {}): Promise<Embeddings> {
  const { dtype, shape } = tensor;
  const { T, D } = outputShape(shape, tensor.flat);
  const count = T * D;
  const out = allocFloats(source.name, count);
  const totalBytes = count * dtype.size;
  const progress = progressReporter(options.onProgress);
  const chunkBytes = Math.max(dtype.size, Math.floor((options.chunkSize ?? DEFAULT_CHUNK_SIZE) / dtype.size) * dtype.size);

  // Output stride of each stored axis, and the storage order (fastest axis first).
  const n = shape.length;
  const d = shape[n - 1];
  const outStride = tensor.flat || n === 2 ? cStrides(shape) : [d, shape[0] * d, 1];
  const axes = tensor.fortran ? shape.map((_, i) => i) : shape.map((_, i) => n - 1 - i);
  const index = new Array<number>(n).fill(0);
  let o = 0;

  const sequentialF32 = dtype.size === 4 && dtype.isFloat && dtype.littleEndian && !tensor.fortran && (n === 2 || tensor.flat === true);
  const outBytes = new Uint8Array(out.buffer);

  for (let done = 0; done < totalBytes;) {
    throwIfAborted(options.signal, source.name);
    const length = Math.min(chunkBytes, totalBytes - done);
    const bytes = await readExactly(source, tensor.dataOffset + done, length);
    const elements = length / dtype.size;
    if (sequentialF32) {
      // the common case: bytes are already the output, only the finite check remains
      outBytes.set(bytes, done);
      for (let k = 0; k < elements; k++) {
        const v = out[o + k];
        if (v - v !== 0) fail(source.name, tensor, storedIndex(shape, o + k), done + k * 4, v);
      }
      o += elements;
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let k = 0, at = 0; k < elements; k++, at += dtype.size) {
        const v = dtype.read(view, at);
        if (dtype.isFloat) {
          const f = Math.fround(v);
          if (f - f !== 0) fail(source.name, tensor, index.slice(), done + at, v);
        }
        out[o] = v;
        // advance the stored index in storage order, moving the output position along
        let a = 0;
        let axis = axes[0];
        index[axis]++;
        o += outStride[axis];
        while (index[axis] === shape[axis] && a < n - 1) {
          o -= shape[axis] * outStride[axis];
          index[axis] = 0;
          axis = axes[++a];
          index[axis]++;
          o += outStride[axis];
        }
      }
    }
    done += length;
    progress(done / totalBytes);
  }
  progress(1);
  return { tokens: null, data: out, T, d: D };
}

/** Row-major strides: the last axis moves by 1. */
function cStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
  return strides;
}

/** The index of the element at C-order position `flat`. */
function storedIndex(shape: number[], flat: number): number[] {
  const index = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    index[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return index;
}

function fail(file: string, tensor: StoredTensor, index: number[], relativeByte: number, value: number): never {
  throw new FormatError(file, tensor.describe(index, tensor.dataOffset + relativeByte), float32Problem(value) ?? 'invalid value');
}
