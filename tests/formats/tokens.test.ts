/**
 * One check of a token's characters for every format (src-shared/formats/tokens.ts): a token
 * holding a control character is refused with the file and the line (or byte) named; and
 * text readers refuse a line longer than 1 MiB once that much is read.
 */
import { describe, expect, it } from 'vitest';
import { csvFormat } from '../../src-shared/formats/csv';
import { gloveFormat } from '../../src-shared/formats/glove';
import { jsonFormat } from '../../src-shared/formats/json';
import { word2vecBinFormat } from '../../src-shared/formats/word2vec-bin';
import { DEFAULT_MAX_LINE_BYTES, bytesSource } from '../../src-shared/formats/bytes';
import { tokenProblem } from '../../src-shared/formats/tokens';
import { concat, enc, expectFormatError, f32, read } from './helpers';

describe('tokenProblem', () => {
  it('refuses C0, DEL and C1 characters, naming the character and its position', () => {
    expect(tokenProblem('a\u0000b')).toBe('the token holds the control character U+0000 (NUL) at character 2; tokens may not hold control characters');
    expect(tokenProblem('\u001b[2J')).toMatch(/U\+001B \(ESC\) at character 1/);
    expect(tokenProblem('x\u007f')).toMatch(/U\+007F \(DEL\)/);
    expect(tokenProblem('x\u009b')).toMatch(/U\+009B at character 2/);
    expect(tokenProblem('a\tb')).toMatch(/U\+0009 \(tab\)/);
  });

  it('accepts ordinary tokens: spaces, punctuation, accents, CJK, emoji, U+00A0', () => {
    for (const t of ['the', '. . .', 'café', '日本', '🙂', 'a\u00a0b', '"q"', '']) expect(tokenProblem(t), t).toBeNull();
  });
});

describe('every format refuses a token with a control character, naming file and line', () => {
  it('GloVe text: a NUL inside the token on line 3', async () => {
    await expectFormatError(read(gloveFormat, 'g.txt', enc('a 1 2\nb 3 4\nc\u0000d 5 6\n')), 'g.txt', 'line 3', /U\+0000 \(NUL\) at character 2/);
  });

  it('word2vec text with a header: an ESC on line 2', async () => {
    await expectFormatError(read(gloveFormat, 'w.vec', enc('2 2\n\u001bx 1 2\nb 3 4\n')), 'w.vec', 'line 2', /U\+001B \(ESC\)/);
  });

  it('CSV and TSV token columns', async () => {
    await expectFormatError(read(csvFormat, 'c.csv', enc('token,x\na,1\nb\u0007,2\n')), 'c.csv', 'line 3', /U\+0007 at character 2/);
    await expectFormatError(read(csvFormat, 't.tsv', enc('a\t1\nb\u0000\t2\n')), 't.tsv', 'line 2', /U\+0000 \(NUL\)/);
  });

  it('JSON token lists (escaped \\u0000), with line and column', async () => {
    await expectFormatError(read(jsonFormat, 'j.json', enc('{"tokens": ["a",\n "b\\u0000"], "vectors": [[1], [2]]}')), 'j.json', /^line 2, column \d+$/, /U\+0000 \(NUL\)/);
  });

  it('word2vec binary: the byte and the word', async () => {
    const bytes = concat(enc('2 2\na '), new Uint8Array(new Float32Array([1, 2]).buffer), enc('\nb\u001b '), new Uint8Array(new Float32Array([3, 4]).buffer), enc('\n'));
    await expectFormatError(read(word2vecBinFormat, 'w.bin', bytes), 'w.bin', 'byte 15 (word 2)', /U\+001B \(ESC\)/);
  });

  it('a tab between fields is a separator, never part of a token', async () => {
    const r = await read(gloveFormat, 'tab.txt', enc('a\t1\t2\nb\t3\t4\n'));
    expect(r.embeddings.tokens).toEqual(['a', 'b']);
    expect(Array.from(r.embeddings.data)).toEqual(f32([1, 2, 3, 4]));
  });
});

describe('the line-length limit', () => {
  it('is 1 MiB: a row of 65 536 numbers of 16 characters fits', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(1024 * 1024);
    expect(65536 * '-1.2345678e-05, '.length).toBeLessThanOrEqual(DEFAULT_MAX_LINE_BYTES);
  });

  it('a wide row under the limit still reads (12 288 numbers, 150 KB)', async () => {
    const row = Array.from({ length: 12288 }, (_, j) => ((j % 97) / 97).toFixed(8)).join(' ');
    const r = await read(gloveFormat, 'wide.txt', enc(`a ${row}\nb ${row}\n`));
    expect(r.shape).toEqual([2, 12288]);
  });

  for (const [format, name] of [
    [csvFormat, 'one-line.csv'],
    [gloveFormat, 'one-line.txt'],
  ] as const) {
    it(`${name}: an 8 MB line is refused after reading about 2 MiB, with the file and line named`, async () => {
      const bytes = new Uint8Array(8 * 2 ** 20).fill(0x31);
      bytes.set(enc(name.endsWith('.csv') ? 'token,' : 'token '));
      for (let i = 8; i < bytes.length; i += 2) bytes[i] = name.endsWith('.csv') ? 0x2c : 0x20;
      const source = bytesSource(name, bytes);
      let bytesRead = 0;
      const counted = { ...source, read: (offset: number, length: number) => ((bytesRead += length), source.read(offset, length)) };
      const t0 = performance.now();
      const error = await format.read(counted).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).toBe(`${name}: line 1: the line is longer than 1048576 bytes, more than a row of numbers takes; expected a text file with one row per line`);
      expect(bytesRead).toBeLessThanOrEqual(3 * 2 ** 20);
      expect(performance.now() - t0).toBeLessThan(2000);
    });
  }
});
