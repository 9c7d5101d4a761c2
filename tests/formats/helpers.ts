/** Fixture builders for the format tests: every file is made here, in bytes. */
import { expect } from 'vitest';
import { bytesSource } from '../../src-shared/formats/bytes';
import type { FormatModule, FormatReadOptions } from '../../src-shared/formats/module';
import { FormatError, type LoadedEmbeddings } from '../../src-shared/formats/types';

export const enc = (text: string) => new TextEncoder().encode(text);

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** float → IEEE binary16 bits, for values exactly representable as normal halves or zero */
export function toHalf(v: number): number {
  if (v === 0) return Object.is(v, -0) ? 0x8000 : 0;
  const sign = v < 0 ? 0x8000 : 0;
  const a = Math.abs(v);
  const e = Math.floor(Math.log2(a));
  const mantissa = Math.round((a / 2 ** e - 1) * 1024);
  return sign | ((e + 15) << 10) | mantissa;
}

export function toBfloat16(v: number): number {
  const f = new Float32Array([v]);
  return new Uint32Array(f.buffer)[0] >>> 16;
}

export type Kind = 'f2' | 'bf2' | 'f4' | 'f8' | 'i1' | 'u1' | 'i2' | 'u2' | 'i4' | 'u4' | 'i8' | 'u8';

/** values → bytes of one dtype and endianness */
export function encodeValues(kind: Kind, values: number[], littleEndian = true): Uint8Array {
  const size = kind === 'bf2' ? 2 : Number(kind.slice(1));
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const at = i * size;
    switch (kind) {
      case 'f2':
        view.setUint16(at, toHalf(v), littleEndian);
        break;
      case 'bf2':
        view.setUint16(at, toBfloat16(v), littleEndian);
        break;
      case 'f4':
        view.setFloat32(at, v, littleEndian);
        break;
      case 'f8':
        view.setFloat64(at, v, littleEndian);
        break;
      case 'i1':
        view.setInt8(at, v);
        break;
      case 'u1':
        view.setUint8(at, v);
        break;
      case 'i2':
        view.setInt16(at, v, littleEndian);
        break;
      case 'u2':
        view.setUint16(at, v, littleEndian);
        break;
      case 'i4':
        view.setInt32(at, v, littleEndian);
        break;
      case 'u4':
        view.setUint32(at, v, littleEndian);
        break;
      case 'i8':
        view.setBigInt64(at, BigInt(v), littleEndian);
        break;
      case 'u8':
        view.setBigUint64(at, BigInt(v), littleEndian);
        break;
    }
  });
  return out;
}

export interface NpyOptions {
  descr: string;
  shape: number[];
  data: Uint8Array;
  fortran?: boolean;
  version?: 1 | 2 | 3;
  /** replaces the whole header dict text */
  header?: string;
}

/** A .npy file as numpy writes it: header padded with spaces to a multiple of 64, then '\n'. */
export function npyBytes(o: NpyOptions): Uint8Array {
  const version = o.version ?? 1;
  const shape = `(${o.shape.join(', ')}${o.shape.length === 1 ? ',' : ''})`;
  let dict = o.header ?? `{'descr': '${o.descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict.padEnd(total - pre - 1, ' ') + '\n';
  const header = enc(dict);
  const preamble = new Uint8Array(pre);
  preamble.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(preamble.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  return concat(preamble, header, o.data);
}

export interface TensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
  /** override the computed offsets */
  offsets?: [number, number];
}

export function safetensorsBytes(tensors: TensorSpec[], options: { metadata?: Record<string, string>; header?: string } = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets ?? [at, at + t.data.length] };
    at += t.data.length;
  }
  let text = options.header ?? JSON.stringify(header);
  text = text.padEnd(Math.ceil(text.length / 8) * 8, ' ');
  const json = enc(text);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(json.length), true);
  return concat(length, json, ...tensors.map((t) => t.data));
}

/** word2vec binary: header, then token, space, float32 LE values, newline */
export function word2vecBinBytes(tokens: string[], rows: number[][], options: { header?: string; newline?: boolean } = {}): Uint8Array {
  const d = rows[0]?.length ?? 0;
  const parts: Uint8Array[] = [enc(options.header ?? `${tokens.length} ${d}\n`)];
  tokens.forEach((t, i) => {
    parts.push(enc(t + ' '), encodeValues('f4', rows[i]));
    if (options.newline !== false) parts.push(enc('\n'));
  });
  return concat(...parts);
}

export function read(format: FormatModule, name: string, bytes: Uint8Array, options: FormatReadOptions = {}): Promise<LoadedEmbeddings> {
  return format.read(bytesSource(name, bytes), options);
}

/** Float32 rounding of expected values, for comparisons with what a reader returns. */
export const f32 = (values: number[]) => Array.from(new Float32Array(values));

/**
 * Expects a FormatError whose message names the file and (when given) starts its place with
 * `place`, and whose problem contains each of `words`.
 */
export async function expectFormatError(promise: Promise<unknown>, file: string, place: string | RegExp | null, ...words: (string | RegExp)[]): Promise<FormatError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a FormatError, but the read succeeded').toBeInstanceOf(FormatError);
  const fe = error as FormatError;
  expect(fe.file).toBe(file);
  expect(fe.message.startsWith(`${file}: `)).toBe(true);
  if (typeof place === 'string') expect(fe.place).toBe(place);
  else if (place instanceof RegExp) expect(fe.place).toMatch(place);
  for (const w of words) {
    if (typeof w === 'string') expect(fe.problem).toContain(w);
    else expect(fe.problem).toMatch(w);
  }
  return fe;
}
