/**
 * The memory of results nobody reads any more, kept for the next result of the same size.
 *
 * Why: the first write to freshly allocated memory costs a page fault per 4 KiB page, and on
 * the virtual machines we measure on a fault costs ~10 µs — a fresh 48 MB weights array
 * (H = 12, T = 1024) took ~120 ms to fill, the same array already resident ~2 ms
 * (docs/performance.md). A lab re-runs the same shape over and over (a slider drag, a
 * sweep, the next zoom tile), so handing a finished result's memory to the next one removes
 * most of a run's cost outside the graph.
 *
 * Only the owner of a result may give its memory back, once, and must not read the result
 * after that (Backend.release). Buffers are matched by exact size and kind (shared or not)
 * and zeroed when taken: allocateResult promises zeroed arrays.
 */

export type ResultBuffer = ArrayBuffer | SharedArrayBuffer;

/** Where allocateResult gets memory from before allocating afresh. */
export interface BufferSupply {
  /** a zeroed buffer of exactly `byteLength` bytes, or null when none is kept */
  take(byteLength: number, shared: boolean): ResultBuffer | null;
}

export interface RecycledBuffersOptions {
  /** most bytes kept idle at once (oldest dropped first; default 256 MiB) */
  maxBytes?: number;
  /** smaller buffers are not worth keeping: allocating them is cheap (default 1 MiB) */
  minBytes?: number;
}

/**
 * Zeroes a buffer 8 bytes at a time (the tail byte by byte): V8 fills a Uint8Array over a
 * SharedArrayBuffer a byte at a time, 4–5 ms for a T = 2048 run's 8 MB overview, against
 * ~1 ms through a Float64Array (+0.0 is all zero bits) — on every run of the app's.
 */
export function zeroBuffer(buffer: ResultBuffer): void {
  const words = Math.floor(buffer.byteLength / 8);
  new Float64Array(buffer, 0, words).fill(0);
  new Uint8Array(buffer, words * 8).fill(0);
}

export class RecycledBuffers implements BufferSupply {
  readonly maxBytes: number;
  readonly minBytes: number;
  /** oldest first */
  private readonly idle: ResultBuffer[] = [];
  private bytes = 0;

  constructor(options: RecycledBuffersOptions = {}) {
    this.maxBytes = Math.max(0, options.maxBytes ?? 256 * 2 ** 20);
    this.minBytes = Math.max(1, options.minBytes ?? 2 ** 20);
  }

  take(byteLength: number, shared: boolean): ResultBuffer | null {
    const i = this.idle.findIndex((b) => b.byteLength === byteLength && b instanceof SharedArrayBuffer === shared);
    if (i < 0) return null;
    const [buffer] = this.idle.splice(i, 1);
    this.bytes -= buffer.byteLength;
    zeroBuffer(buffer);
    return buffer;
  }

  /** Keeps `buffer` for a later take; its previous owner must never touch it again. */
  give(buffer: ResultBuffer): void {
    if (buffer.byteLength < this.minBytes || buffer.byteLength > this.maxBytes || this.idle.includes(buffer)) return;
    this.idle.push(buffer);
    this.bytes += buffer.byteLength;
    while (this.bytes > this.maxBytes) this.bytes -= this.idle.shift()!.byteLength;
  }

  /** Bytes held idle now. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Drops everything held (the memory goes back to the garbage collector). */
  clear(): void {
    this.idle.length = 0;
    this.bytes = 0;
  }
}
