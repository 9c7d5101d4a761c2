/** The SourceInfo the renderer sees of an opened file. */
import { basename } from 'node:path';
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';
import type { LoadedCapture } from '../../../src-shared/formats/captures';
import type { SourceInfo } from '../../../src-shared/api/lab-api';

/** SourceInfo carries every token only for files up to this many rows. */
export const MAX_LISTED_TOKENS = 4096;

/**
 * Whether the UI should offer a sentence box rather than run every row: a GloVe / word2vec
 * file, or a long list of distinct tokens (a word list). A long sequence repeats its tokens
 * (any text of thousands of tokens does), so a 16,384-token document runs whole.
 */
export function isVocabulary(loaded: LoadedEmbeddings): boolean {
  const { tokens, T } = loaded.embeddings;
  if (!tokens) return false;
  if (/glove|word2vec/i.test(loaded.format)) return true;
  return T > MAX_LISTED_TOKENS && allDistinct(tokens);
}

const distinct = new WeakMap<readonly string[], boolean>();

/** Whether no token repeats: a sequence answers at its first repeat; the answer is kept (a load asks, then its SourceInfo). */
function allDistinct(tokens: readonly string[]): boolean {
  let known = distinct.get(tokens);
  if (known === undefined) {
    const seen = new Set<string>();
    known = tokens.every((t) => !seen.has(t) && seen.add(t));
    distinct.set(tokens, known);
  }
  return known;
}

export function sourceInfo(id: string, path: string, loaded: LoadedEmbeddings, sha256: string): SourceInfo {
  const { T, d, tokens } = loaded.embeddings;
  return {
    id,
    name: basename(path),
    path,
    format: loaded.format,
    dtype: loaded.dtype,
    shape: [...loaded.shape],
    T,
    d,
    tokens: tokens && T <= MAX_LISTED_TOKENS ? [...tokens] : null,
    vocabulary: isVocabulary(loaded),
    ...(loaded.parts ? { parts: [...loaded.parts] } : {}),
    ...(loaded.part !== undefined ? { part: loaded.part } : {}),
    sha256,
  };
}

/**
 * The SourceInfo of a capture file, from its first layer as loaded: T, d and the tokens are
 * its key positions, heads × d_head and metadata tokens; `capture` lists its layers.
 */
export function captureSourceInfo(id: string, path: string, loaded: LoadedCapture, sha256: string): SourceInfo {
  const data = loaded.data;
  if (!data) throw new Error(`${basename(path)}: layer ${loaded.layer} was not read`);
  const { Tq, Tk, heads, dHead, dv } = data;
  const tokens = loaded.tokens;
  return {
    id,
    name: basename(path),
    path,
    format: `${loaded.format} capture`,
    dtype: loaded.dtype,
    shape: [Tk, heads, dHead],
    T: Tk,
    d: heads * dHead,
    tokens: tokens && Tk <= MAX_LISTED_TOKENS ? [...tokens] : null,
    vocabulary: false,
    sha256,
    capture: { naming: loaded.naming, layers: [...loaded.layers], layer: loaded.layer, heads, Tq, Tk, dHead, dv, pattern: data.pattern !== null },
  };
}
