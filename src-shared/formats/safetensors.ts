/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?}`,
 * then the data; offsets are relative to the end of the header. The whole header is validated
 * (every tensor, not just the one read) because a header that lies about one tensor cannot be
 * trusted about the others.
 */
import { readExactly } from './bytes';
import { JsonLexer, parseJsonValue } from './json-parser';
import { defineFormat, type FormatReadOptions, type TensorArchive } from './module';
import { formatSize, showText } from './numbers';
import { checkOutputSize } from './output';
import { decodeTensor, numericDtype, outputShape, type NumericDtype, type StoredTensor } from './tensor';
import { FormatError, type ByteSource, type LoadedEmbeddings } from './types';

/** every dtype of the safetensors spec, with its size in bits (for the size checks) */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  I64: 64,
  U64: 64,
  F64: 64,
  C64: 64,
};
const READABLE: Record<string, NumericDtype> = {
  F16: numericDtype('float', 2, true)!,
  BF16: numericDtype('bfloat', 2, true)!,
  F32: numericDtype('float', 4, true)!,
  F64: numericDtype('float', 8, true)!,
};
/** the reference implementation refuses headers over 100 MB */
const MAX_HEADER = 100 * 1000 * 1000;

interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

export const safetensorsFormat = defineFormat({
  id: 'safetensors',
  title: 'safetensors',
  extensions: ['safetensors'],
  magic(head) {
    if (head.length < 10) return false;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const n = view.getUint32(0, true);
    return view.getUint32(4, true) === 0 && n >= 2 && n <= MAX_HEADER && head[8] === 0x7b;
  },
  read: readSafetensors,
  openTensors: openSafetensors,
});

interface Header {
  tensors: TensorInfo[];
  dataStart: number;
  metadata: Record<string, string>;
}

async function readHeader(source: ByteSource): Promise<Header> {
  const file = source.name;
  const size = source.size;
  if (size === 0) throw new FormatError(file, '', 'the file is empty; expected a safetensors file');
  if (size < 8) {
    throw new FormatError(file, 'byte 0', `expected an 8-byte little-endian header length, found only ${size} bytes`);
  }
  const lengthBytes = await readExactly(source, 0, 8);
  const headerLength = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(size - 8)) {
    throw new FormatError(file, 'byte 0', `the header length ${headerLength} runs past the end of the file (${size} bytes)`);
  }
  const n = Number(headerLength);
  if (n > MAX_HEADER) throw new FormatError(file, 'byte 0', `the header length ${n} is over the 100 MB that safetensors allows`);
  if (n < 2) throw new FormatError(file, 'byte 0', `the header length ${n} is too short for a JSON object`);
  const header = parseJsonValue(await readExactly(source, 8, n), new JsonLexer(file, 8));
  if (!isObject(header)) {
    throw new FormatError(file, 'byte 8', `expected the header to be a JSON object of tensors, found ${describe(header)}`);
  }
  const dataStart = 8 + n;
  const meta = header.__metadata__;
  const metadata: Record<string, string> = {};
  if (isObject(meta)) for (const [key, value] of Object.entries(meta)) if (typeof value === 'string') metadata[key] = value;
  return { tensors: validateHeader(file, header, size - dataStart), dataStart, metadata };
}

/** The reader of one tensor's values; `flat` keeps any rank in C order (captures). */
function tensorReader(file: string, chosen: TensorInfo, dataStart: number, flat: boolean): StoredTensor {
  const place = `tensor '${chosen.name}'`;
  const dtype = READABLE[chosen.dtype];
  if (!dtype) throw new FormatError(file, place, `dtype ${chosen.dtype} is not supported; expected F16, BF16, F32 or F64`);
  return {
    dataOffset: dataStart + chosen.begin,
    dtype,
    shape: chosen.shape,
    fortran: false,
    flat,
    describe: (index, byte) => `${place}, element [${index.join(', ')}] (byte ${byte})`,
  };
}

async function readSafetensors(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  const { tensors, dataStart } = await readHeader(source);
  const names = tensors.map((t) => t.name);
  const chosen = chooseTensor(file, tensors, options.part);

  const place = `tensor '${chosen.name}'`;
  const stored = tensorReader(file, chosen, dataStart, false);
  if (chosen.shape.length !== 2 && chosen.shape.length !== 3) {
    throw new FormatError(file, place, `expected a 2-D (T×d) or 3-D (H×T×d) tensor, found shape ${showShape(chosen.shape)}`);
  }
  if (chosen.shape.some((x) => x === 0)) {
    throw new FormatError(file, place, `the tensor of shape ${showShape(chosen.shape)} is empty; expected at least one row and one column`);
  }
  const { T, D } = outputShape(chosen.shape);
  checkOutputSize(file, place, T * D, options.maxBytes, `the tensor of shape ${showShape(chosen.shape)}`);
  const embeddings = await decodeTensor(source, stored, options);
  return {
    format: 'safetensors',
    dtype: chosen.dtype,
    shape: chosen.shape,
    embeddings,
    ...(names.length > 1 ? { parts: names } : {}),
    part: chosen.name,
  };
}

/** Every tensor of the file, of any rank (captures read several). */
async function openSafetensors(source: ByteSource): Promise<TensorArchive> {
  const file = source.name;
  const { tensors, dataStart, metadata } = await readHeader(source);
  const find = (name: string) => {
    const found = tensors.find((t) => t.name === name);
    if (!found) throw new FormatError(file, `tensor '${name}'`, `no such tensor; the file holds ${listTensors(tensors)}`);
    return found;
  };
  return {
    format: 'safetensors',
    names: tensors.map((t) => t.name),
    metadata,
    async describe(name) {
      const t = find(name);
      return { dtype: t.dtype, shape: t.shape, place: `tensor '${name}'` };
    },
    async read(name, options = {}) {
      const t = find(name);
      const place = `tensor '${name}'`;
      if (t.shape.length === 0) throw new FormatError(file, place, 'expected an array, found a single number');
      const stored = tensorReader(file, t, dataStart, true);
      const count = t.shape.reduce((a, b) => a * b, 1);
      checkOutputSize(file, place, count, options.maxBytes, `the tensor of shape ${showShape(t.shape)}`);
      return (await decodeTensor(source, stored, options)).data;
    },
  };
}

function validateHeader(file: string, header: Record<string, unknown>, dataLength: number): TensorInfo[] {
  const tensors: TensorInfo[] = [];
  for (const name of Object.keys(header)) {
    if (name === '__metadata__') continue;
    const place = `tensor '${name}'`;
    const info = header[name];
    if (!isObject(info)) throw new FormatError(file, place, `expected an object {dtype, shape, data_offsets}, found ${describe(info)}`);
    const dtype = info.dtype;
    if (typeof dtype !== 'string') throw new FormatError(file, place, `expected "dtype" to be a string such as "F32", found ${describe(dtype)}`);
    const bits = DTYPE_BITS[dtype];
    if (bits === undefined) {
      throw new FormatError(file, place, `unknown dtype ${showText(dtype)}; known dtypes: ${Object.keys(DTYPE_BITS).join(', ')}`);
    }
    const shape = info.shape;
    if (!isIntArray(shape)) throw new FormatError(file, place, `expected "shape" to be a list of non-negative integers, found ${describe(shape)}`);
    const offsets = info.data_offsets;
    if (!isIntArray(offsets) || offsets.length !== 2 || offsets[0] > offsets[1]) {
      throw new FormatError(file, place, `expected "data_offsets" to be [begin, end] with 0 ≤ begin ≤ end, found ${describe(offsets)}`);
    }
    const [begin, end] = offsets;
    if (end > dataLength) {
      throw new FormatError(file, place, `data_offsets [${begin}, ${end}] run past the end of the data, which has ${dataLength} bytes after the header`);
    }
    const need = (shape.reduce((a, b) => a * b, 1) * bits) / 8;
    if (need !== end - begin) {
      throw new FormatError(file, place, `shape ${showShape(shape)} of ${dtype} needs ${formatSize(need)} but data_offsets [${begin}, ${end}] span ${formatSize(end - begin)}`);
    }
    tensors.push({ name, dtype, shape, begin, end });
  }
  const byOffset = tensors.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1];
    const t = byOffset[i];
    if (t.begin < prev.end) {
      throw new FormatError(file, `tensor '${t.name}'`, `its bytes [${t.begin}, ${t.end}) overlap those of tensor '${prev.name}' [${prev.begin}, ${prev.end})`);
    }
  }
  return tensors;
}

function chooseTensor(file: string, tensors: TensorInfo[], part: string | undefined): TensorInfo {
  const list = listTensors(tensors);
  if (part !== undefined) {
    const found = tensors.find((t) => t.name === part);
    if (!found) throw new FormatError(file, `tensor '${part}'`, `no such tensor; the file holds ${list}`);
    return found;
  }
  if (tensors.length === 0) throw new FormatError(file, '', 'the file holds no tensors');
  const candidates = tensors.filter((t) => t.shape.length === 2 || t.shape.length === 3);
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) throw new FormatError(file, '', `no 2-D or 3-D tensor to read; the file holds ${list}`);
  throw new FormatError(file, '', `${candidates.length} tensors could be embeddings; choose one by name: ${listTensors(candidates)}`);
}

function listTensors(tensors: TensorInfo[]): string {
  const shown = tensors.slice(0, 20).map((t) => `'${t.name}' ${showShape(t.shape)} ${t.dtype}`);
  if (tensors.length > 20) shown.push(`and ${tensors.length - 20} more`);
  return shown.join(', ') || 'no tensors';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

function showShape(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? text.slice(0, 60) + '…' : text;
}
