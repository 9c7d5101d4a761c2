/**
 * Where parsed floats go. Every allocation of output is checked against `maxBytes` first,
 * and allocation failures become a FormatError rather than a crash.
 */
import { FormatError } from './types';
import { formatSize } from './numbers';

/** 2 GiB of float32 output unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024;

export function maxFloats(maxBytes: number | undefined): number {
  return Math.floor((maxBytes ?? DEFAULT_MAX_BYTES) / 4);
}

/** Throws unless `count` float32 values fit in `maxBytes`. */
export function checkOutputSize(file: string, place: string, count: number, maxBytes: number | undefined, what: string): void {
  const limit = maxBytes ?? DEFAULT_MAX_BYTES;
  if (count * 4 > limit) {
    throw new FormatError(file, place, `${what} would need ${formatSize(count * 4)} of float32 values, more than the limit of ${formatSize(limit)}`);
  }
}

/**
 * Room for `count` floats. In shared memory where there is any (Node; a browser only when
 * cross-origin isolated): the engine's pool workers then read loaded embeddings in place,
 * where a plain buffer would be copied into shared memory on every run (a 1024 × 768 input
 * is three 3 MB copies, ~2,400 page faults, 25–50 ms a run on our VMs).
 */
export function allocFloats(file: string, count: number): Float32Array {
  try {
    return typeof SharedArrayBuffer === 'function' ? new Float32Array(new SharedArrayBuffer(count * 4)) : new Float32Array(count);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new FormatError(file, '', `not enough memory for ${formatSize(count * 4)} of float32 values`);
    }
    throw error;
  }
}

/**
 * A Float32Array that grows geometrically as values are pushed, for text formats whose row
 * count is unknown until the end. Never grows past `maxBytes`.
 */
export class FloatBuilder {
  data: Float32Array;
  length = 0;
  private readonly limit: number;

  constructor(
    private readonly file: string,
    maxBytes: number | undefined,
    initialCapacity = 4096,
  ) {
    this.limit = maxFloats(maxBytes);
    this.data = allocFloats(file, Math.max(1, Math.min(Math.ceil(initialCapacity), this.limit)));
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  /** Makes room for `extra` more values at once (one check per row rather than per value). */
  reserve(extra: number): void {
    if (this.length + extra > this.data.length) this.grow(this.length + extra);
  }

  private grow(needed: number): void {
    if (needed > this.limit) {
      throw new FormatError(this.file, '', `the embeddings exceed the limit of ${formatSize(this.limit * 4)} of float32 values (maxBytes)`);
    }
    const capacity = Math.min(this.limit, Math.max(needed, this.data.length * 2, 4096));
    const next = allocFloats(this.file, capacity);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  /**
   * The values, trimmed to length. When at least half the buffer is used the result is a
   * view of it, not a copy: the unused tail was never written, so it is address space rather
   * than resident memory, while a copy would briefly hold the data twice (960 MB for a 1 GB
   * GloVe file) and block the event loop while it runs.
   */
  finish(): Float32Array {
    if (this.length === this.data.length) return this.data;
    if (this.length * 2 >= this.data.length) return this.data.subarray(0, this.length);
    // (slice would make a plain buffer: allocFloats keeps the values in shared memory)
    const out = allocFloats(this.file, this.length);
    out.set(this.data.subarray(0, this.length));
    return out;
  }
}
