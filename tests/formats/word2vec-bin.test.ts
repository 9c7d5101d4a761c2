import { describe, expect, it } from 'vitest';
import { word2vecBinFormat } from '../../src-shared/formats/word2vec-bin';
import { concat, enc, encodeValues, expectFormatError, f32, read, word2vecBinBytes } from './helpers';

const rows = [
  [0.1, -0.2, 0.3],
  [1, 2, 3],
  [-4.5, 0, 1e-3],
];

describe('word2vec binary round trips', () => {
  it('reads tokens and float32 vectors, with and without newlines', async () => {
    for (const newline of [true, false]) {
      const r = await read(word2vecBinFormat, 'w.bin', word2vecBinBytes(['the', 'cat', 'café'], rows, { newline }));
      expect(r.format).toBe('word2vec-bin');
      expect(r.shape).toEqual([3, 3]);
      expect(r.embeddings.tokens).toEqual(['the', 'cat', 'café']);
      expect(Array.from(r.embeddings.data)).toEqual(f32(rows.flat()));
    }
  });

  it('reads through tiny chunks', async () => {
    const r = await read(word2vecBinFormat, 'w.bin', word2vecBinBytes(['a', 'b', 'c'], rows), { chunkSize: 3 });
    expect(Array.from(r.embeddings.data)).toEqual(f32(rows.flat()));
  });
});

describe('word2vec binary bad input', () => {
  it('an empty file, and a bad header', async () => {
    await expectFormatError(read(word2vecBinFormat, 'e.bin', new Uint8Array(0)), 'e.bin', '', 'empty');
    await expectFormatError(read(word2vecBinFormat, 'h.bin', enc('hello world\nxx')), 'h.bin', 'line 1', 'expected a header "count dim"', '"hello world"');
  });

  it('cut short inside a vector names the byte and the word', async () => {
    const bytes = word2vecBinBytes(['the', 'cat', 'dog'], rows);
    const cut = bytes.subarray(0, bytes.length - 6);
    const headerLength = '3 3\n'.length;
    const vecAt = headerLength + 2 * (4 + 12 + 1) + 4;
    await expectFormatError(read(word2vecBinFormat, 'c.bin', cut), 'c.bin', `byte ${vecAt}`, 'word 3 ("dog") is cut short', 'expected 12 bytes', 'found 7');
  });

  it('cut short between words, or inside a token', async () => {
    const bytes = word2vecBinBytes(['the', 'cat'], rows.slice(0, 2), { header: '3 3\n' });
    await expectFormatError(read(word2vecBinFormat, 'c.bin', concat(bytes, new Uint8Array(30).fill(0x41))), 'c.bin', /^byte \d+$/, 'word 3 is cut short');
  });

  it('a header claiming 3 GB in a small file is refused before allocating', async () => {
    await expectFormatError(
      read(word2vecBinFormat, 'h.bin', word2vecBinBytes(['a'], [[1, 2]], { header: '3000000 300\n' })),
      'h.bin',
      'line 1',
      'claims 3000000 words of 300 float32 values',
    );
  });

  it('NaN in a vector names the byte, word and value', async () => {
    const bytes = word2vecBinBytes(
      ['a', 'b'],
      [
        [1, 2],
        [3, NaN],
      ],
    );
    const at = 4 + (2 + 8 + 1) + 2 + 4;
    await expectFormatError(read(word2vecBinFormat, 'n.bin', bytes), 'n.bin', `byte ${at} (word 2 "b", value 2)`, 'non-finite');
  });

  it('more data than the header says', async () => {
    const bytes = word2vecBinBytes(
      ['a', 'b'],
      [
        [1, 2],
        [3, 4],
      ],
      { header: '1 2\n' },
    );
    await expectFormatError(read(word2vecBinFormat, 'x.bin', bytes), 'x.bin', 'byte 15', 'the data goes on after word 1');
  });

  it('a token without a space within the limit', async () => {
    const bytes = concat(enc('1 2\n'), new Uint8Array(5000).fill(0x61), encodeValues('f4', [1, 2]));
    await expectFormatError(read(word2vecBinFormat, 't.bin', bytes), 't.bin', 'byte 4', 'is this really word2vec binary');
  });

  it('maxBytes bounds the output', async () => {
    const bytes = word2vecBinBytes(
      ['a', 'b'],
      [
        [1, 2],
        [3, 4],
      ],
    );
    await expectFormatError(read(word2vecBinFormat, 'm.bin', bytes, { maxBytes: 8 }), 'm.bin', 'line 1', 'limit of 8 bytes');
  });
});
