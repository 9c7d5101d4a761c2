/**
 * Byte-level plumbing shared by every format: an in-memory ByteSource, exact reads, a chunked
 * line reader, a refilling cursor for binary streams, cancellation and progress, and the
 * half-precision float conversions. Nothing here knows about any one format.
 */
import { FormatError, type ByteSource } from './types';

/**
 * Readers take this much at a time, so a 1 GB file is never held whole. A chunk is parsed
 * without yielding to the event loop: at 1 MiB that is ~10 ms of GloVe text, where 4 MiB
 * stalled the main process for 100–250 ms on a busy 2-core machine (docs/reliability.md).
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
/**
 * A text line longer than this is not an embedding row: 1 MiB holds 65 536 numbers of 16
 * characters ("-1.2345678e-05, "), five times the widest embeddings in use (12 288). A longer
 * line is refused once this much is read, so a hostile one-line file costs ~2 MiB and
 * milliseconds (a 50 MB one-line CSV took 19–24 s and 1.5 GB with a 64 MiB limit: splitting
 * millions of cells into objects; docs/reliability.md).
 */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** A ByteSource over bytes already in memory (tests, drag-and-drop, the browser). */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const start = Math.max(0, Math.min(offset, bytes.length));
      const end = Math.max(start, Math.min(start + Math.max(0, length), bytes.length));
      return bytes.subarray(start, end);
    },
  };
}

/** Reads exactly `length` bytes, or says where the file ended (it may have been changed under us). */
export async function readExactly(source: ByteSource, offset: number, length: number): Promise<Uint8Array> {
  const bytes = await source.read(offset, length);
  if (bytes.length < length) {
    throw new FormatError(source.name, `byte ${offset + bytes.length}`, `the file ended early: expected ${length} bytes from byte ${offset}, found ${bytes.length}`);
  }
  return bytes;
}

/** The error every reader throws when its AbortSignal fires. */
export function abortError(file: string): Error {
  const error = new Error(`${file}: loading cancelled`);
  error.name = 'AbortError';
  return error;
}

export function throwIfAborted(signal: AbortSignal | undefined, file: string): void {
  if (signal?.aborted) throw abortError(file);
}

/** Wraps onProgress so it is called only when the fraction moved by ≥ 1 %, and always at 1. */
export function progressReporter(onProgress?: (fraction: number) => void): (fraction: number) => void {
  if (!onProgress) return () => {};
  let last = -1;
  return (fraction: number) => {
    const f = Math.max(0, Math.min(1, fraction));
    if (f - last >= 0.01 || (f === 1 && last !== 1)) {
      last = f;
      onProgress(f);
    }
  };
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

// ---------------------------------------------------------------------------------------------
// Lines

export interface TextLine {
  /** the line without its terminator (LF or CRLF); a view valid only until the next line */
  bytes: Uint8Array;
  /** 1-based line number */
  line: number;
  /** byte offset of the line's first byte in the file */
  offset: number;
}

export interface ChunkedReadOptions {
  /** bytes per read; tests use tiny chunks to exercise boundaries */
  chunkSize?: number;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface LineReaderOptions extends ChunkedReadOptions {
  maxLineBytes?: number;
}

/**
 * Yields the lines of a text source, reading it chunk by chunk. A leading UTF-8 BOM is
 * skipped, CRLF and LF both end a line, a last line without a terminator is still a line,
 * and a line split across chunks is joined. Lines are views: copy what you keep.
 */
export async function* readLines(source: ByteSource, options: LineReaderOptions = {}): AsyncGenerator<TextLine> {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const progress = progressReporter(options.onProgress);
  const size = source.size;
  let lineNumber = 1;
  let position = 0;
  // pieces of a line that started in an earlier chunk (joined once, when the line ends)
  let pending: Uint8Array[] = [];
  let pendingLength = 0;
  let pendingOffset = 0;
  let bomChecked = false;

  const finishLine = (tail: Uint8Array): Uint8Array => {
    if (pending.length === 0) return tail;
    const out = new Uint8Array(pendingLength + tail.length);
    let at = 0;
    for (const piece of pending) {
      out.set(piece, at);
      at += piece.length;
    }
    out.set(tail, at);
    pending = [];
    pendingLength = 0;
    return out;
  };
  const stripCr = (bytes: Uint8Array) => (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes);
  const tooLong = () =>
    new FormatError(source.name, `line ${lineNumber}`, `the line is longer than ${maxLine} bytes, more than a row of numbers takes; expected a text file with one row per line`);

  while (position < size) {
    throwIfAborted(options.signal, source.name);
    let chunk = await readExactly(source, position, Math.min(chunkSize, size - position));
    let chunkOffset = position;
    position += chunk.length;
    if (!bomChecked) {
      // the BOM may itself be split by a tiny chunk size: wait until 3 bytes are known
      if (chunk.length < 3 && position < size) {
        const more = await readExactly(source, position, Math.min(3 - chunk.length, size - position));
        position += more.length;
        chunk = concatBytes(chunk, more);
      }
      bomChecked = true;
      if (hasUtf8Bom(chunk)) {
        chunk = chunk.subarray(3);
        chunkOffset += 3;
      }
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const offset = pending.length > 0 ? pendingOffset : chunkOffset + start;
      if (pendingLength + nl - start > maxLine) throw tooLong();
      const bytes = stripCr(finishLine(chunk.subarray(start, nl)));
      yield { bytes, line: lineNumber, offset };
      lineNumber++;
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (pending.length === 0) pendingOffset = chunkOffset + start;
      // copy: the source may reuse its buffer for the next read
      pending.push(chunk.slice(start));
      pendingLength += chunk.length - start;
      if (pendingLength > maxLine) throw tooLong();
    }
    progress(position / size);
  }
  if (pending.length > 0) {
    yield { bytes: stripCr(finishLine(new Uint8Array(0))), line: lineNumber, offset: pendingOffset };
  }
  progress(1);
}

// ---------------------------------------------------------------------------------------------
// A refilling cursor for binary streams (word2vec binary)

/**
 * A window onto a source that is refilled on demand: `buffer[pos…]` are the bytes at file
 * offset `offset`. Callers check `available()` first and only await `fill` when short, so
 * reading a record costs no promise unless a chunk boundary is crossed.
 */
export class ByteCursor {
  buffer: Uint8Array = new Uint8Array(0);
  pos = 0;
  private base: number;
  private readonly progress: (fraction: number) => void;
  private readonly chunkSize: number;

  constructor(
    private readonly source: ByteSource,
    start: number,
    private readonly options: ChunkedReadOptions = {},
  ) {
    this.base = start;
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
    this.progress = progressReporter(options.onProgress);
  }

  /** file offset of buffer[pos] */
  get offset(): number {
    return this.base + this.pos;
  }

  available(): number {
    return this.buffer.length - this.pos;
  }

  /** no more bytes can be read beyond the buffer */
  get atEnd(): boolean {
    return this.base + this.buffer.length >= this.source.size;
  }

  /** Makes at least `n` bytes available, or as many as remain in the file. */
  async fill(n: number): Promise<void> {
    while (this.available() < n && !this.atEnd) {
      throwIfAborted(this.options.signal, this.source.name);
      const end = this.base + this.buffer.length;
      const want = Math.min(Math.max(this.chunkSize, n - this.available()), this.source.size - end);
      const more = await readExactly(this.source, end, want);
      this.buffer = concatBytes(this.buffer.subarray(this.pos), more);
      this.base += this.pos;
      this.pos = 0;
      this.progress((this.base + this.buffer.length) / this.source.size);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Half-precision floats

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits → its (exactly representable) value. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** bfloat16 bits are the top half of a float32. */
export function bfloat16ToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Converts a whole array of binary16 bits (e.g. a Uint16Array view) into float32. */
export function float16ArrayToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i]);
  return out;
}

export function bfloat16ArrayToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = (bits[i] & 0xffff) << 16;
  return out;
}
