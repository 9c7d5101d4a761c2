/**
 * A synthetic GloVe-like text vocabulary for the large-file soak (`npm run soak:large`) and
 * its CI-sized twin (tests/reliability/large-file.test.ts): `count` lines of a token and
 * `dim` numbers written as GloVe writes them (five decimals, space-separated), written in
 * 4 MiB blocks so that generating a 1 GB file never holds it in memory. Deterministic: the
 * same (count, dim, seed) gives the same bytes.
 */
import { open } from 'node:fs/promises';
import { Rng } from '../../src-shared/random';

/** The first tokens: real words and punctuation, so sentences can be looked up. */
export const HEAD_TOKENS: readonly string[] = [
  ...new Set([
    'the',
    ',',
    '.',
    'of',
    'to',
    'and',
    'in',
    'a',
    '"',
    "'s",
    'for',
    '-',
    'that',
    'on',
    'is',
    'was',
    'said',
    'with',
    'he',
    'it',
    'as',
    'at',
    'by',
    'from',
    'his',
    "''",
    '``',
    'an',
    'be',
    'has',
    'are',
    'have',
    'but',
    'were',
    'not',
    'this',
    '(',
    ')',
    'cat',
    'sat',
    'mat',
    'dog',
    'purred',
    'quickly',
    'attention',
    'is',
    'all',
    'you',
    'need',
    'café',
    'naïve',
    '日本',
    'u.s.',
    "don't",
    'e-mail',
    '...',
    '?',
    '!',
    ';',
    ':',
  ]),
];

/** The sentence the soak looks up (every word is in HEAD_TOKENS but "zyzzyva", which is out of vocabulary). */
export const SOAK_SENTENCE = 'The cat sat on the mat, and the dog purred quickly: attention is all you need! zyzzyva';

export interface GloveSpec {
  count: number;
  dim: number;
  seed?: number;
}

/** The token of row i: the head words first, then unique synthetic words. */
export function tokenOf(i: number): string {
  return i < HEAD_TOKENS.length ? HEAD_TOKENS[i] : `w${i.toString(36)}`;
}

/** 4096 formatted values in [-1, 1) with five decimals ("-0.41242"), picked at random per cell. */
function numberTable(rng: Rng): string[] {
  return Array.from({ length: 4096 }, () => {
    const v = Math.round((rng.nextU32() / 2 ** 32) * 200000 - 100000) / 100000;
    return v.toFixed(5);
  });
}

/** Writes the file; returns its size in bytes. */
export async function writeGloveFile(path: string, spec: GloveSpec): Promise<number> {
  const rng = new Rng(spec.seed ?? 7, 'soak-glove');
  const table = numberTable(rng);
  const handle = await open(path, 'w');
  let size = 0;
  try {
    let block: string[] = [];
    let blockChars = 0;
    const cells = new Array<string>(spec.dim);
    for (let i = 0; i < spec.count; i++) {
      for (let j = 0; j < spec.dim; j++) cells[j] = table[rng.nextU32() & 4095];
      const line = `${tokenOf(i)} ${cells.join(' ')}\n`;
      block.push(line);
      blockChars += line.length;
      if (blockChars >= 4 << 20 || i === spec.count - 1) {
        const bytes = Buffer.from(block.join(''), 'utf8');
        await handle.write(bytes);
        size += bytes.length;
        block = [];
        blockChars = 0;
      }
    }
  } finally {
    await handle.close();
  }
  return size;
}
