/**
 * Picking rows of a large vocabulary by typing a sentence. The token → row maps are built once
 * per Embeddings object and cached (WeakMap, so they go when the embeddings go): repeated
 * lookups in a 400k-word vocabulary cost only the words typed.
 */
import type { Embeddings } from './types';

export interface SentenceLookup {
  /** the rows found, in sentence order (repeats kept) */
  indices: number[];
  /** the vocabulary's token for each index */
  tokens: string[];
  /** words of the sentence that are not in the vocabulary, as typed */
  outOfVocabulary: string[];
}

interface Vocabulary {
  tokens: string[];
  length: number;
  exact: Map<string, number>;
  lower: Map<string, number>;
}

const cache = new WeakMap<Embeddings, Vocabulary>();

/** letters, marks, digits and '_' form words; every other non-space run is punctuation */
const PIECES = /[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]+/gu;
const WORDLIKE = /^[\p{L}\p{M}\p{N}_]/u;

function vocabulary(emb: Embeddings): Vocabulary | null {
  const tokens = emb.tokens;
  if (!tokens) return null;
  const cached = cache.get(emb);
  // rebuilt if the tokens were replaced or grown since
  if (cached && cached.tokens === tokens && cached.length === tokens.length) return cached;
  const exact = new Map<string, number>();
  const lower = new Map<string, number>();
  // the first occurrence wins: vocabularies are usually sorted by frequency
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!exact.has(t)) exact.set(t, i);
    const l = t.toLowerCase();
    if (!lower.has(l)) lower.set(l, i);
  }
  const built = { tokens, length: tokens.length, exact, lower };
  cache.set(emb, built);
  return built;
}

function find(v: Vocabulary, word: string): number | undefined {
  return v.exact.get(word) ?? v.lower.get(word.toLowerCase());
}

/**
 * Splits the sentence on whitespace, tries each chunk whole ("U.S.", "e-mail", "don't"),
 * else splits it into words and punctuation: words not found are out of vocabulary;
 * punctuation is kept when the vocabulary has it and dropped silently otherwise.
 */
export function lookupSentence(emb: Embeddings, sentence: string): SentenceLookup {
  const result: SentenceLookup = { indices: [], tokens: [], outOfVocabulary: [] };
  const v = vocabulary(emb);
  const take = (index: number) => {
    result.indices.push(index);
    result.tokens.push(v!.tokens[index]);
  };
  for (const chunk of sentence.split(/\s+/)) {
    if (!chunk) continue;
    if (!v) {
      result.outOfVocabulary.push(...(chunk.match(PIECES) ?? []).filter((p) => WORDLIKE.test(p)));
      continue;
    }
    const whole = find(v, chunk);
    if (whole !== undefined) {
      take(whole);
      continue;
    }
    for (const piece of chunk.match(PIECES) ?? []) {
      const index = find(v, piece);
      if (index !== undefined) take(index);
      else if (WORDLIKE.test(piece)) result.outOfVocabulary.push(piece);
      else {
        // a run of punctuation not known whole: keep the single marks that are known
        for (const mark of piece) {
          const m = find(v, mark);
          if (m !== undefined) take(m);
        }
      }
    }
  }
  return result;
}

/** The rows `indices` (repeats allowed) as new Embeddings. */
export function subsetEmbeddings(emb: Embeddings, indices: readonly number[]): Embeddings {
  const { d } = emb;
  const data = new Float32Array(indices.length * d);
  indices.forEach((row, k) => {
    if (!Number.isInteger(row) || row < 0 || row >= emb.T) {
      throw new RangeError(`row ${row} is out of range: the embeddings have ${emb.T} rows`);
    }
    data.set(emb.data.subarray(row * d, (row + 1) * d), k * d);
  });
  return { tokens: emb.tokens ? indices.map((row) => emb.tokens![row]) : null, data, T: indices.length, d };
}
