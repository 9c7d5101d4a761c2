import { describe, expect, it } from 'vitest';
import { gloveFormat } from '../../src-shared/formats/glove';
import { enc, expectFormatError, f32, read } from './helpers';

const readText = (name: string, text: string, options = {}) => read(gloveFormat, name, enc(text), options);

describe('GloVe / word2vec text round trips', () => {
  it('reads GloVe lines', async () => {
    const r = await readText('g.txt', 'the 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\n');
    expect(r.format).toBe('glove');
    expect(r.dtype).toBe('text');
    expect(r.shape).toEqual([2, 3]);
    expect(r.embeddings.tokens).toEqual(['the', ',']);
    expect(Array.from(r.embeddings.data)).toEqual(f32([0.418, 0.24968, -0.41242, 0.013441, 0.23682, -0.16899]));
  });

  it('reads a word2vec / fastText header, trailing spaces and CRLF', async () => {
    const r = await readText('w.vec', '2 3\r\nthe 1 2 3 \r\nof 4 5 6 \r\n');
    expect(r.shape).toEqual([2, 3]);
    expect(r.embeddings.tokens).toEqual(['the', 'of']);
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a first line of two integers is data when the next line also has two fields', async () => {
    const r = await readText('one.txt', '1999 5\n2000 6\n');
    expect(r.shape).toEqual([2, 1]);
    expect(r.embeddings.tokens).toEqual(['1999', '2000']);
  });

  it('tokens containing spaces (GloVe 840B)', async () => {
    const r = await readText('s.txt', 'a 1 2\n. . . 3 4\nb 5 6\n');
    expect(r.embeddings.tokens).toEqual(['a', '. . .', 'b']);
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('parses numbers like Number() does, including many digits and exponents', async () => {
    const numbers = ['0.1', '-1.5e-3', '1E+5', '.5', '5.', '+2', '3.14159265358979323846', '1e-45', '123456789012345678'];
    const r = await readText('n.txt', `w ${numbers.join(' ')}\n`);
    expect(Array.from(r.embeddings.data)).toEqual(f32(numbers.map(Number)));
  });

  it('tabs, blank lines and no final newline', async () => {
    const r = await readText('t.txt', '\n\nx\t1\t2\n\ny 3 4');
    expect(r.embeddings.tokens).toEqual(['x', 'y']);
  });
});

describe('GloVe bad input', () => {
  it('an empty file, and only blank lines', async () => {
    await expectFormatError(readText('e.txt', ''), 'e.txt', '', 'empty');
    await expectFormatError(readText('b.txt', '\n\n  \n'), 'b.txt', '', 'only blank lines');
  });

  it('a bad line in the middle names the line and column', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `w${i} ${i} ${i + 1} ${i + 2}`);
    lines[30] = 'w30 1 two 3';
    await expectFormatError(readText('m.txt', lines.join('\n')), 'm.txt', 'line 31, column 3', 'expected a number, found "two"');
  });

  it('width mismatch between rows', async () => {
    await expectFormatError(readText('w.txt', 'a 1 2 3\nb 1 2\n'), 'w.txt', 'line 2', 'expected a token and 3 numbers (like line 1), found 2');
    await expectFormatError(readText('w.txt', 'a 1 2\nb 1 2 3\n'), 'w.txt', 'line 2', 'found 3');
    await expectFormatError(readText('w.txt', '2 3\na 1 2 3\nb 1 2\n'), 'w.txt', 'line 3', 'as the header on line 1 says');
  });

  it('NaN / Inf values and out-of-range numbers', async () => {
    await expectFormatError(readText('n.txt', 'a 1 2\nb nan 2\n'), 'n.txt', 'line 2, column 2', 'non-finite value nan');
    await expectFormatError(readText('n.txt', 'a 1 Infinity\n'), 'n.txt', 'line 1, column 3', 'non-finite value Infinity');
    await expectFormatError(readText('n.txt', 'a 1 -3e38\nb 1 -4e38\n'), 'n.txt', 'line 2, column 3', 'the value -4e38 is outside the float32 range');
  });

  it('a header whose count does not match the lines', async () => {
    await expectFormatError(readText('c.txt', '3 2\na 1 2\nb 3 4\n'), 'c.txt', 'line 1', 'says 3 words, but the file has 2');
    await expectFormatError(readText('c.txt', '1 2\na 1 2\nb 3 4\n'), 'c.txt', 'line 3', 'this is word 2');
  });

  it('a header claiming 3 GB in a small file is refused before allocating', async () => {
    await expectFormatError(readText('h.txt', '3000000 300\nthe 1 2\n'), 'h.txt', 'line 1', 'claims 3000000 words of 300 numbers');
  });

  it('a lone token', async () => {
    await expectFormatError(readText('l.txt', 'lonely\n'), 'l.txt', 'line 1', 'expected a token followed by numbers');
  });

  it('maxBytes bounds the output', async () => {
    const text = Array.from({ length: 100 }, (_, i) => `w${i} 1 2 3 4 5 6 7 8 9 10`).join('\n');
    await expectFormatError(readText('m.txt', text, { maxBytes: 1000 }), 'm.txt', '', 'limit');
  });
});
