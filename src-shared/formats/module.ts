/**
 * What a format module adds to EmbeddingFormat so that `index.ts` can detect in tiers:
 * magic bytes first (unambiguous), then the file's extension, then a content guess for
 * extension-less text. `recognise` is the union of the three, for callers that ask one format.
 */
import type { ByteSource, EmbeddingFormat, LoadedEmbeddings, ReadOptions } from './types';

export interface FormatModule extends EmbeddingFormat {
  /** a human name for messages, e.g. "GloVe / word2vec text" */
  title: string;
  /** true when the head carries this format's magic bytes */
  magic?(head: Uint8Array): boolean;
  /** a weaker content guess, tried only when neither magic nor extension decided */
  sniff?(head: Uint8Array): boolean;
  read(source: ByteSource, options?: FormatReadOptions): Promise<LoadedEmbeddings>;
  /** formats of named tensors (safetensors, .npz): every tensor, for captures */
  openTensors?(source: ByteSource, options?: FormatReadOptions): Promise<TensorArchive>;
  /**
   * The tensor names alone, where they cost less than openTensors (an .npz's zip directory,
   * read from the end of the file instead of the whole archive); null: ask openTensors.
   */
  tensorNames?(source: ByteSource): Promise<string[] | null>;
}

/**
 * A file of named tensors of any rank, opened once: captures read several of its tensors.
 * Valid while its ByteSource is open.
 */
export interface TensorArchive {
  format: string;
  /** tensor names in file order (an .npz member's name without `.npy`) */
  names: string[];
  /** safetensors' `__metadata__` (string values only); empty for .npz */
  metadata: Record<string, string>;
  /** a tensor's dtype and shape as stored; the place for messages, e.g. "tensor 'x'" */
  describe(name: string): Promise<{ dtype: string; shape: number[]; place: string }>;
  /** a tensor's values as float32 in C order (last axis fastest), whatever its rank */
  read(name: string, options?: FormatReadOptions): Promise<Float32Array>;
}

/** ReadOptions plus the chunk size, which tests shrink to exercise chunk boundaries. */
export interface FormatReadOptions extends ReadOptions {
  chunkSize?: number;
}

export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function defineFormat(module: Omit<FormatModule, 'recognise'>): FormatModule {
  return {
    ...module,
    recognise(name: string, head: Uint8Array): boolean {
      return (module.magic?.(head) ?? false) || module.extensions.includes(extensionOf(name)) || (module.sniff?.(head) ?? false);
    },
  };
}

/** Skips a UTF-8 BOM and ASCII whitespace; returns the index of the first other byte. */
export function firstContentByte(head: Uint8Array): number {
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  return i;
}

/** True when the bytes contain no control characters other than tab, CR and LF. */
export function looksLikeText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
  }
  return true;
}
