/**
 * NumPy .npy, versions 1–3 (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 * magic "\x93NUMPY", major/minor version bytes, a little-endian header length (2 bytes in
 * v1, 4 in v2/v3), a Python-dict header (latin-1, utf-8 in v3), then the raw data.
 * Every size the header claims is checked against the file before anything is allocated.
 */
import { readExactly } from './bytes';
import { defineFormat, type FormatReadOptions } from './module';
import { parsePyLiteral, type PyValue } from './npy-header';
import { formatShape, formatSize, showText } from './numbers';
import { checkOutputSize } from './output';
import { decodeTensor, numericDtype, outputShape, type DtypeKind, type NumericDtype } from './tensor';
import { FormatError, type ByteSource, type Embeddings, type LoadedEmbeddings } from './types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy itself refuses headers over 10 000 bytes by default; anything near 1 MiB is corrupt */
const MAX_HEADER = 1024 * 1024;

const UNSUPPORTED_KINDS: Record<string, string> = {
  c: 'complex numbers',
  O: 'Python objects',
  S: 'byte strings',
  a: 'byte strings',
  U: 'unicode strings',
  V: 'raw or structured records',
  b: 'booleans',
  '?': 'booleans',
  m: 'time deltas',
  M: 'dates',
};

export const npyFormat = defineFormat({
  id: 'npy',
  title: 'NumPy .npy',
  extensions: ['npy'],
  magic: (head) => head.length >= MAGIC.length && MAGIC.every((b, i) => head[i] === b),
  read: readNpy,
});

/** What an .npy header says, checked against the file's size; any rank. */
export interface NpyHeader {
  descr: string;
  dtype: NumericDtype;
  fortran: boolean;
  shape: number[];
  /** byte offset of the first element */
  dataStart: number;
}

async function readNpy(source: ByteSource, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  const file = source.name;
  const header = await readNpyHeader(source);
  const { shape } = header;
  checkRank(shape, file);
  const { T, D } = outputShape(shape);
  checkOutputSize(file, "header field 'shape'", T * D, options.maxBytes, `the array of shape ${formatShape(shape)}`);
  const embeddings = await decodeNpy(source, header, options);
  return { format: 'npy', dtype: header.descr, shape, embeddings };
}

/** The array's values as float32 (rows T × width D; `flat` keeps every axis in C order). */
export function decodeNpy(source: ByteSource, header: NpyHeader, options: FormatReadOptions & { flat?: boolean } = {}): Promise<Embeddings> {
  return decodeTensor(
    source,
    {
      dataOffset: header.dataStart,
      dtype: header.dtype,
      shape: header.shape,
      fortran: header.fortran,
      flat: options.flat,
      describe: (index, byte) => `element [${index.join(', ')}] (byte ${byte})`,
    },
    options,
  );
}

/**
 * The preamble and header of an .npy array, every claim checked: magic, version, header
 * length, dtype, order, and a shape whose data fills the rest of the file exactly.
 */
export async function readNpyHeader(source: ByteSource): Promise<NpyHeader> {
  const file = source.name;
  const size = source.size;
  if (size === 0) throw new FormatError(file, '', 'the file is empty; expected a .npy array');
  const pre = await readExactly(source, 0, Math.min(12, size));
  const magicLength = Math.min(MAGIC.length, pre.length);
  for (let i = 0; i < magicLength; i++) {
    if (pre[i] !== MAGIC[i]) {
      throw new FormatError(file, `byte ${i}`, `expected the .npy magic "\\x93NUMPY", found ${hex(pre.subarray(0, 6))}`);
    }
  }
  const major = pre[6];
  const minor = pre[7];
  if (size >= 7 && (major < 1 || major > 3)) {
    throw new FormatError(file, 'byte 6', `unsupported .npy version ${major}.${minor ?? 0}; expected 1.0, 2.0 or 3.0`);
  }
  const headerStart = major === 1 ? 10 : 12;
  if (size < headerStart) {
    throw new FormatError(file, `byte ${size}`, `the file ends inside the .npy preamble, which takes ${headerStart} bytes`);
  }
  const view = new DataView(pre.buffer, pre.byteOffset, pre.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerStart + headerLength > size) {
    throw new FormatError(file, 'byte 8', `the header length ${headerLength} runs past the end of the file (${size} bytes)`);
  }
  if (headerLength > MAX_HEADER) {
    throw new FormatError(file, 'byte 8', `the header length ${headerLength} is implausibly large (at most ${MAX_HEADER} expected)`);
  }
  const headerBytes = await readExactly(source, headerStart, headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    throw new FormatError(file, `byte ${headerStart}`, 'the version 3 header is not valid UTF-8');
  }
  const header = parsePyLiteral(text, file, headerStart);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FormatError(file, `byte ${headerStart}`, `expected the header to be a dict, found ${showText(text)}`);
  }

  const descr = field(header, 'descr', file);
  const dtype = parseDescr(descr, file);
  const fortran = field(header, 'fortran_order', file);
  if (typeof fortran !== 'boolean') {
    throw new FormatError(file, "header field 'fortran_order'", `expected True or False, found ${describe(fortran)}`);
  }
  const shape = parseShape(field(header, 'shape', file), file);

  const dataStart = headerStart + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * dtype.size;
  const available = size - dataStart;
  const claim = `the header's shape ${formatShape(shape)} of '${descr as string}'`;
  if (need > available) {
    throw new FormatError(
      file,
      `byte ${size}`,
      `the file ends after ${formatSize(available)} of data, but ${claim} needs ${formatSize(need)} from byte ${dataStart}: the file is truncated or the shape is wrong`,
    );
  }
  if (need < available) {
    throw new FormatError(
      file,
      "header field 'shape'",
      `${claim} accounts for ${formatSize(need)} of data, but the file holds ${formatSize(available)} after the header: the shape is wrong`,
    );
  }
  return { descr: descr as string, dtype, fortran, shape, dataStart };
}

function field(header: { [key: string]: PyValue }, name: string, file: string): PyValue {
  if (!(name in header)) throw new FormatError(file, `header field '${name}'`, 'missing from the .npy header');
  return header[name];
}

function parseDescr(descr: PyValue, file: string): NumericDtype {
  const place = "header field 'descr'";
  if (Array.isArray(descr)) {
    throw new FormatError(file, place, "structured (record) dtypes are not supported; expected a numeric dtype such as '<f4'");
  }
  if (typeof descr !== 'string') throw new FormatError(file, place, `expected a dtype string such as '<f4', found ${describe(descr)}`);
  const match = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  const expected = "expected float16/32/64 or a signed or unsigned integer, e.g. '<f4', '<f2', '<i8', '|u1'";
  if (!match) throw new FormatError(file, place, `unknown dtype ${showText(descr)}; ${expected}`);
  const [, order, code, digits] = match;
  const unsupported = UNSUPPORTED_KINDS[code];
  if (unsupported) throw new FormatError(file, place, `unsupported dtype '${descr}' (${unsupported}); ${expected}`);
  const kinds: Record<string, DtypeKind> = { f: 'float', i: 'int', u: 'uint' };
  const kind = kinds[code];
  const dtype = kind ? numericDtype(kind, Number(digits), order !== '>') : null;
  if (!dtype) throw new FormatError(file, place, `unsupported dtype '${descr}'; ${expected}`);
  return dtype;
}

function parseShape(shape: PyValue, file: string): number[] {
  const place = "header field 'shape'";
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw new FormatError(file, place, `expected a tuple of non-negative integers, found ${describe(shape)}`);
  }
  return shape as number[];
}

/** Embeddings are 2-D T×d or 3-D H×T×d, with at least one row and one column. */
function checkRank(dims: number[], file: string): void {
  const place = "header field 'shape'";
  if (dims.length !== 2 && dims.length !== 3) {
    const what = dims.length === 0 ? 'a 0-D array (a single number)' : `a ${dims.length}-D array of shape ${formatShape(dims)}`;
    throw new FormatError(file, place, `expected a 2-D (T×d) or 3-D (H×T×d) array, found ${what}`);
  }
  if (dims.some((n) => n === 0)) {
    throw new FormatError(file, place, `the array of shape ${formatShape(dims)} is empty; expected at least one row and one column`);
  }
}

function describe(value: PyValue): string {
  if (Array.isArray(value)) return `(${value.map(describe).join(', ')})`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'None';
  if (typeof value === 'object') return 'a dict';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ') || 'nothing';
}
