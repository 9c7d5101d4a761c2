import { describe, expect, it } from 'vitest';
import { lookupSentence, subsetEmbeddings } from '../../src-shared/formats/sentence';
import type { Embeddings } from '../../src-shared/formats/types';

function vocab(tokens: string[], d = 2): Embeddings {
  const data = new Float32Array(tokens.length * d).map((_, i) => i);
  return { tokens, data, T: tokens.length, d };
}

describe('lookupSentence', () => {
  const emb = vocab(['the', 'cat', 'sat', ',', '.', 'Paris', 'paris', "don't", 'U.S.', '...', 'mat']);

  it('finds words in order, exact match first then lower case', () => {
    const r = lookupSentence(emb, 'The cat sat');
    expect(r.indices).toEqual([0, 1, 2]);
    expect(r.tokens).toEqual(['the', 'cat', 'sat']);
    expect(r.outOfVocabulary).toEqual([]);
    expect(lookupSentence(emb, 'Paris paris PARIS').indices).toEqual([5, 6, 5]);
  });

  it('splits off punctuation, keeping the marks the vocabulary has', () => {
    const r = lookupSentence(emb, 'the cat, sat on the mat!');
    expect(r.tokens).toEqual(['the', 'cat', ',', 'sat', 'the', 'mat']);
    expect(r.outOfVocabulary).toEqual(['on']);
  });

  it("tries a whole chunk first: don't, U.S., ...", () => {
    expect(lookupSentence(emb, "don't go to the U.S. ...").tokens).toEqual(["don't", 'the', 'U.S.', '...']);
  });

  it('reports out-of-vocabulary words as typed, and handles whitespace of any kind', () => {
    const r = lookupSentence(emb, '  Zebra\tthe\n\ncat  Quokka. ');
    expect(r.tokens).toEqual(['the', 'cat', '.']);
    expect(r.outOfVocabulary).toEqual(['Zebra', 'Quokka']);
    expect(lookupSentence(emb, '').indices).toEqual([]);
  });

  it('embeddings without tokens: every word is out of vocabulary', () => {
    const r = lookupSentence({ tokens: null, data: new Float32Array(2), T: 1, d: 2 }, 'a b, c');
    expect(r.indices).toEqual([]);
    expect(r.outOfVocabulary).toEqual(['a', 'b', 'c']);
  });

  it('repeated lookups in a 400k vocabulary are instant after the first', () => {
    const tokens = Array.from({ length: 400_000 }, (_, i) => `w${i}`);
    const big = vocab(tokens, 1);
    const t0 = performance.now();
    expect(lookupSentence(big, 'w1 w399999 W7').indices).toEqual([1, 399999, 7]);
    const first = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < 100; i++) lookupSentence(big, `w${i} w${i * 3} nope`);
    const hundred = performance.now() - t1;
    expect(hundred).toBeLessThan(Math.max(50, first));
  });

  it('sees tokens replaced after the first lookup', () => {
    const e = vocab(['a', 'b']);
    expect(lookupSentence(e, 'b').indices).toEqual([1]);
    e.tokens = ['b', 'a'];
    expect(lookupSentence(e, 'b').indices).toEqual([0]);
  });
});

describe('subsetEmbeddings', () => {
  it('copies the chosen rows, repeats allowed, with their tokens', () => {
    const e = vocab(['a', 'b', 'c'], 2);
    const s = subsetEmbeddings(e, [2, 0, 2]);
    expect(s.T).toBe(3);
    expect(s.d).toBe(2);
    expect(s.tokens).toEqual(['c', 'a', 'c']);
    expect(Array.from(s.data)).toEqual([4, 5, 0, 1, 4, 5]);
  });

  it('refuses rows out of range', () => {
    expect(() => subsetEmbeddings(vocab(['a']), [1])).toThrow(/row 1 is out of range/);
    expect(() => subsetEmbeddings(vocab(['a']), [-1])).toThrow(RangeError);
  });
});
