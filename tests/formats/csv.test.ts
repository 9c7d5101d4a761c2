import { describe, expect, it } from 'vitest';
import { csvFormat } from '../../src-shared/formats/csv';
import { enc, expectFormatError, f32, read } from './helpers';

const readText = (name: string, text: string, options = {}) => read(csvFormat, name, enc(text), options);

describe('csv round trips', () => {
  it('plain numbers: no header, no token column', async () => {
    const r = await readText('p.csv', '0.5,1,2\n3,4,-5e-1\n');
    expect(r.format).toBe('csv');
    expect(r.shape).toEqual([2, 3]);
    expect(r.embeddings.tokens).toBeNull();
    expect(Array.from(r.embeddings.data)).toEqual([0.5, 1, 2, 3, 4, -0.5]);
  });

  it('a header row and a token column', async () => {
    const r = await readText('h.csv', 'word,x,y\nthe,1,2\ncat,3,4\n');
    expect(r.embeddings.tokens).toEqual(['the', 'cat']);
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4]);
  });

  it('a token column without a header', async () => {
    const r = await readText('t.csv', 'the,1,2\ncat,3,4');
    expect(r.embeddings.tokens).toEqual(['the', 'cat']);
  });

  it('a header without a token column', async () => {
    const r = await readText('n.csv', 'a,b\n1,2\n');
    expect(r.embeddings.tokens).toBeNull();
    expect(Array.from(r.embeddings.data)).toEqual([1, 2]);
  });

  it("pandas' to_csv: an empty first header cell and numbered columns", async () => {
    const r = await readText('pd.csv', ',0,1\n0,0.5,1.5\n1,2.5,3.5\n');
    expect(r.embeddings.tokens).toEqual(['0', '1']);
    expect(Array.from(r.embeddings.data)).toEqual([0.5, 1.5, 2.5, 3.5]);
  });

  it('quoted fields: delimiters, doubled quotes, line breaks, quoted numbers', async () => {
    const r = await readText('q.csv', 'token,"a\nb",c\n"x,y",1,2\n"say ""hi""",3,"4"\nplain,5,6\n');
    expect(r.embeddings.tokens).toEqual(['x,y', 'say "hi"', 'plain']);
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a token holding a line break or another control character is refused, naming its line', async () => {
    await expect(readText('q.csv', 'token,a,b\nok,1,2\n"two\nlines",5,6\n')).rejects.toThrow(
      /^q\.csv: line 3: the token holds the control character U\+000A \(line feed\) at character 4; tokens may not hold control characters$/,
    );
    await expect(readText('e.csv', 'ok,1,2\nred\x1b[31m,3,4\n')).rejects.toThrow(/^e\.csv: line 2: the token holds the control character U\+001B \(ESC\) at character 4;/);
    await expect(readText('c1.tsv', 'ok\t1\nnext\u0085line\t2\n')).rejects.toThrow(/^c1\.tsv: line 2: the token holds the control character U\+0085 at character 5;/);
  });

  it('TSV, BOM, CRLF, spaces around numbers and blank lines', async () => {
    const r = await readText('t.tsv', '\uFEFFtoken\ta\tb\r\nthé\t 1.5 \t2\r\n\r\nchat\t3\t4\r\n');
    expect(r.embeddings.tokens).toEqual(['thé', 'chat']);
    expect(Array.from(r.embeddings.data)).toEqual(f32([1.5, 2, 3, 4]));
  });

  it('a single column of numbers', async () => {
    const r = await readText('one.csv', 'value\n1\n2\n');
    expect(r.shape).toEqual([2, 1]);
  });
});

describe('csv bad input', () => {
  it('an empty file and a header without rows', async () => {
    await expectFormatError(readText('e.csv', ''), 'e.csv', '', 'empty');
    await expectFormatError(readText('h.csv', 'a,b\n'), 'h.csv', 'line 1', 'header but no rows');
  });

  it('ragged rows: width mismatch between rows', async () => {
    await expectFormatError(readText('r.csv', '1,2,3\n4,5,6\n7,8\n'), 'r.csv', 'line 3', 'expected 3 fields like line 1, found 2');
    await expectFormatError(readText('r.csv', 'w,a,b\nx,1,2\ny,3,4,5\n'), 'r.csv', 'line 3', 'expected 3 fields like line 2, found 4');
    await expectFormatError(readText('r.csv', 'w,a\nx,1,2\n'), 'r.csv', 'line 1', 'the header has 2 fields but line 2 has 3');
  });

  it('non-numeric and empty cells name line and column', async () => {
    await expectFormatError(readText('n.csv', 'the,1,2\ncat,3,abc\n'), 'n.csv', 'line 2, column 3', 'expected a number, found "abc"');
    await expectFormatError(readText('n.csv', '1,2\n3,\n'), 'n.csv', 'line 2, column 2', 'empty cell');
    await expectFormatError(readText('n.csv', 'w,a\nx,"1x"\n'), 'n.csv', 'line 2, column 2', 'found "1x"');
  });

  it('NaN and Inf cells are refused', async () => {
    await expectFormatError(readText('n.csv', '1,2\n3,nan\n'), 'n.csv', 'line 2, column 2', 'non-finite value nan');
    await expectFormatError(readText('n.csv', 'a,1,-inf\n'), 'n.csv', 'line 1, column 3', 'non-finite value -inf');
    await expectFormatError(readText('n.csv', '1,2\n3,1e40\n'), 'n.csv', 'line 2, column 2', 'outside the float32 range');
  });

  it('an unclosed quote', async () => {
    await expectFormatError(readText('q.csv', 'w,a\n"open,1\nx,2\n'), 'q.csv', 'line 2', 'never closed');
    await expectFormatError(readText('q.csv', 'w,a\n"x"y,1\n'), 'q.csv', 'line 2, column 1', 'after the closing quote');
  });

  it('maxBytes bounds the output', async () => {
    const text = Array.from({ length: 100 }, () => '1,2,3,4,5,6,7,8,9,10').join('\n');
    await expectFormatError(readText('m.csv', text, { maxBytes: 1000 }), 'm.csv', '', 'limit');
  });
});
