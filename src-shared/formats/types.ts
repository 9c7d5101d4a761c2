/**
 * The face every embedding format shows (cf. Netron's format modules): recognise, then read.
 * Adding a format is adding a file to this folder and one line to `index.ts`.
 */

/** Token embeddings: T rows of d float32 values, row-major, with optional labels. */
export interface Embeddings {
  tokens: string[] | null;
  data: Float32Array;
  T: number;
  d: number;
}

/**
 * Random access to a file's bytes, so that a 1 GB vocabulary is read in chunks and never
 * held whole. Implemented over a Node file handle, a browser File, or plain bytes.
 */
export interface ByteSource {
  /** the file's name as the user knows it (used in every message) */
  name: string;
  size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface ReadOptions {
  /** safetensors: the tensor's name; JSON `{q,k,v}`: "q", "k" or "v" */
  part?: string;
  /** 0…1, called at most every few percent */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
  /** refuse files whose parsed float32 data would exceed this many bytes */
  maxBytes?: number;
}

export interface LoadedEmbeddings {
  format: string;
  /** dtype as stored in the file, e.g. "float16", "<f4", "F32", "text" */
  dtype: string;
  /** shape as stored (e.g. [H, T, d] for a 3-D .npy) */
  shape: number[];
  embeddings: Embeddings;
  /** the parts this file holds (safetensors tensor names; "q"/"k"/"v"), if more than one */
  parts?: string[];
  /** the part that was read */
  part?: string;
}

export interface EmbeddingFormat {
  id: string;
  /** lower-case extensions without the dot, for dialogs and as a hint */
  extensions: string[];
  /** can this format read a file with this name that starts with these bytes (≤ 4096)? */
  recognise(name: string, head: Uint8Array): boolean;
  read(source: ByteSource, options?: ReadOptions): Promise<LoadedEmbeddings>;
}

/**
 * A problem in an input file, located: `place` is e.g. "line 3, column 5", "byte 128",
 * "tensor 'wte'", "header field 'shape'". The message reads as one sentence:
 * `tokens.csv: line 3, column 5: expected a number, found "abc"`.
 */
export class FormatError extends Error {
  constructor(
    readonly file: string,
    readonly place: string,
    readonly problem: string,
  ) {
    super(`${file}: ${place ? place + ': ' : ''}${problem}`);
    this.name = 'FormatError';
  }
}
