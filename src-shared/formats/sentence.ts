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

function cachedVocabulary(emb: Embeddings): Vocabulary | null {
  const cached = cache.get(emb);
  // rebuilt if the tokens were replaced or grown since
  return cached && cached.tokens === emb.tokens && cached.length === emb.tokens.length ? cached : null;
}

/** Adds tokens [start, end) to the maps; the first occurrence wins (vocabularies are usually sorted by frequency). */
function indexTokens(tokens: string[], start: number, end: number, exact: Map<string, number>, lower: Map<string, number>): void {
  for (let i = start; i < end; i++) {
    const t = tokens[i];
    if (!exact.has(t)) exact.set(t, i);
    const l = t.toLowerCase();
    if (!lower.has(l)) lower.set(l, i);
  }
}

function vocabulary(emb: Embeddings): Vocabulary | null {
  const tokens = emb.tokens;
  if (!tokens) return null;
  const cached = cachedVocabulary(emb);
  if (cached) return cached;
  const exact = new Map<string, number>();
  const lower = new Map<string, number>();
  indexTokens(tokens, 0, tokens.length, exact, lower);
  const built = { tokens, length: tokens.length, exact, lower };
  cache.set(emb, built);
  return built;
}

/**
 * Builds a vocabulary's look-up index ahead of the first look-up, a slice of tokens at a time,
 * yielding between slices: in one piece a 400k-word vocabulary stalls its thread for ~300 ms
 * (docs/reliability.md). lookupSentence then finds the index ready. Stops (without an index)
 * when the signal aborts.
 */
export async function indexVocabulary(emb: Embeddings, options: { sliceSize?: number; signal?: AbortSignal } = {}): Promise<void> {
  const tokens = emb.tokens;
  if (!tokens || cachedVocabulary(emb)) return;
  const slice = Math.max(1, options.sliceSize ?? 16384);
  const exact = new Map<string, number>();
  const lower = new Map<string, number>();
  for (let start = 0; start < tokens.length; start += slice) {
    if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
    if (options.signal?.aborted) return;
    indexTokens(tokens, start, Math.min(tokens.length, start + slice), exact, lower);
  }
  if (!cachedVocabulary(emb)) cache.set(emb, { tokens, length: tokens.length, exact, lower });
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
