/**
 * The embedded data the app opens on, so the first screen already means something:
 *
 * - a short sentence with built-in 16-dimensional embeddings: each word is a little
 *   word-specific noise plus shared directions for what related words have in common
 *   (animals, determiners, motion, place), plus a small positional signal so repeated
 *   words are not bit-identical. Deterministic: generated from src-shared/random.ts.
 * - "the textbook 2-D toy": six keys in two clusters and one query near the first cluster.
 *
 * Both are inline JobSpec sources, so a session or an exported JobSpec carries them.
 */
import { Rng } from '../../../src-shared/random';
import type { SourceSpec } from '../../../src-shared/job/spec';

export interface InlineData {
  tokens: string[];
  vectors: number[][];
}

export interface SampleData {
  id: 'sentence' | 'toy2d';
  label: string;
  /** the label in the narrow data panel's Sample menu (the full label is its tooltip) */
  short: string;
  description: string;
  /** self-attention over one set, or separate queries and keys */
  embeddings?: InlineData;
  queries?: InlineData;
  keys?: InlineData;
}

export const SAMPLE_DIM = 16;
/**
 * Overall length of the vectors (≈ √d, like trained embeddings), so that the default
 * scaled dot product q·k/√d is neither uniform nor one-hot: each word attends mostly to
 * itself, "the" to the other "the"s, cat ↔ mouse and chased ↔ across visibly.
 */
export const SAMPLE_SCALE = 2.5;
export const SAMPLE_WORDS = ['the', 'cat', 'chased', 'the', 'mouse', 'across', 'the', 'kitchen'];

/** What each word shares with related words: direction name → weight. */
const FEATURES: Record<string, Record<string, number>> = {
  the: { determiner: 1.2 },
  cat: { animal: 1.0, noun: 0.6, agent: 0.5 },
  mouse: { animal: 1.0, noun: 0.6, small: 0.6 },
  chased: { motion: 1.0, verb: 0.9, agent: 0.3 },
  across: { motion: 0.6, place: 0.5, preposition: 0.9 },
  kitchen: { place: 1.0, noun: 0.6 },
};

const DIRECTIONS = ['determiner', 'animal', 'noun', 'agent', 'small', 'motion', 'verb', 'place', 'preposition'];

function unitGaussian(seed: number, label: string, dim: number): number[] {
  const rng = new Rng(seed, label);
  const v = Array.from({ length: dim }, () => rng.gaussian());
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The sentence sample's vectors: T × SAMPLE_DIM, rounded to 3 decimals. */
export function sentenceVectors(words: string[] = SAMPLE_WORDS, dim = SAMPLE_DIM, seed = 2024, scale = SAMPLE_SCALE): number[][] {
  const directions = Object.fromEntries(DIRECTIONS.map((name) => [name, unitGaussian(seed, `sample/direction/${name}`, dim)]));
  return words.map((word, position) => {
    const own = unitGaussian(seed, `sample/word/${word}`, dim);
    const v = own.map((x) => 0.45 * x);
    for (const [name, weight] of Object.entries(FEATURES[word] ?? {})) {
      const dir = directions[name];
      for (let c = 0; c < dim; c++) v[c] += weight * dir[c];
    }
    // a small sinusoidal position signal (as in the Transformer) so repeated words differ a little
    for (let c = 0; c < dim; c += 2) {
      const freq = 1 / Math.pow(100, c / dim);
      v[c] += 0.12 * Math.sin(position * freq);
      if (c + 1 < dim) v[c + 1] += 0.12 * Math.cos(position * freq);
    }
    return v.map((x) => round3(x * scale));
  });
}

export const TOY_KEYS: number[][] = [
  [0.9, 0.1],
  [1.0, 0.0],
  [0.8, 0.2],
  [0.1, 0.9],
  [0.0, 1.0],
  [0.2, 0.8],
];
export const TOY_QUERY: number[] = [0.8, 0.15];

export const SAMPLES: SampleData[] = [
  {
    id: 'sentence',
    label: 'Sample sentence (8 tokens × 16 dims)',
    short: 'Sentence · 8 × 16',
    description: 'built-in embeddings: animals, determiners, motion and place share directions',
    embeddings: { tokens: [...SAMPLE_WORDS], vectors: sentenceVectors() },
  },
  {
    id: 'toy2d',
    label: 'Textbook 2-D toy (1 query, 6 keys)',
    short: '2-D toy · 1 × 6',
    description: 'keys in two clusters around (1, 0) and (0, 1); the query (0.8, 0.15) sits by the first',
    queries: { tokens: ['q'], vectors: [[...TOY_QUERY]] },
    keys: { tokens: ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'], vectors: TOY_KEYS.map((k) => [...k]) },
  },
];

export function sample(id: SampleData['id']): SampleData {
  const found = SAMPLES.find((s) => s.id === id);
  if (!found) throw new Error(`no sample "${id}"`);
  return found;
}

export function inlineSource(data: InlineData): SourceSpec {
  return { inline: { tokens: [...data.tokens], vectors: data.vectors.map((row) => [...row]) } };
}
