/** A session's embedded data (`embedded`): files carried inline as token lists and vectors. */
import type { LoadedEmbeddings } from '../../../src-shared/formats/types';

/** Inline vectors (a session's embedded data) as a LoadedEmbeddings. */
export function loadedFromInline(inline: { tokens: string[] | null; vectors: number[][] }, where: string): LoadedEmbeddings {
  const T = inline.vectors.length;
  const d = T ? inline.vectors[0].length : 0;
  if (T === 0 || d === 0) throw new Error(`${where}: the embedded data has no vectors`);
  const data = new Float32Array(T * d);
  inline.vectors.forEach((row, i) => {
    if (row.length !== d) throw new Error(`${where}: embedded row ${i} has ${row.length} numbers, expected ${d} like row 0`);
    data.set(row, i * d);
  });
  if (inline.tokens && inline.tokens.length !== T) throw new Error(`${where}: ${inline.tokens.length} embedded tokens for ${T} vectors`);
  return { format: 'embedded', dtype: 'float32', shape: [T, d], embeddings: { tokens: inline.tokens, data, T, d } };
}

export function inlineFromLoaded(loaded: LoadedEmbeddings): { tokens: string[] | null; vectors: number[][] } {
  const { T, d, data, tokens } = loaded.embeddings;
  const vectors: number[][] = [];
  for (let i = 0; i < T; i++) vectors.push(Array.from(data.subarray(i * d, (i + 1) * d)));
  return { tokens: tokens ? [...tokens] : null, vectors };
}
