import { describe, expect, it } from 'vitest';
import { jsonFormat } from '../../src-shared/formats/json';
import { enc, expectFormatError, f32, read } from './helpers';

const readText = (name: string, text: string, options = {}) => read(jsonFormat, name, enc(text), options);

describe('json round trips', () => {
  it('reads {"tokens", "vectors"}', async () => {
    const r = await readText('t.json', '{"tokens": ["the", "cat"], "vectors": [[0.1, -2e-3], [3, 4.5E2]]}');
    expect(r.format).toBe('json');
    expect(r.shape).toEqual([2, 2]);
    expect(r.embeddings.tokens).toEqual(['the', 'cat']);
    expect(Array.from(r.embeddings.data)).toEqual(f32([0.1, -2e-3, 3, 450]));
    expect(r.parts).toBeUndefined();
  });

  it('reads a bare array of arrays, with a BOM and CRLF', async () => {
    const r = await readText('b.json', '\uFEFF[\r\n  [1, 2, 3],\r\n  [4, 5, 6]\r\n]\r\n');
    expect(r.embeddings.tokens).toBeNull();
    expect([r.embeddings.T, r.embeddings.d]).toEqual([2, 3]);
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads {"q", "k", "v"} parts of either form, q by default, with shared tokens', async () => {
    const text = JSON.stringify({
      tokens: ['a', 'b'],
      q: [
        [1, 2],
        [3, 4],
      ],
      k: {
        tokens: ['x', 'y'],
        vectors: [
          [5, 6],
          [7, 8],
        ],
      },
      v: [
        [9, 10],
        [11, 12],
      ],
    });
    const q = await readText('qkv.json', text);
    expect(q.part).toBe('q');
    expect(q.parts).toEqual(['q', 'k', 'v']);
    expect(q.embeddings.tokens).toEqual(['a', 'b']);
    expect(Array.from(q.embeddings.data)).toEqual([1, 2, 3, 4]);
    const k = await readText('qkv.json', text, { part: 'k' });
    expect(k.embeddings.tokens).toEqual(['x', 'y']);
    expect(Array.from(k.embeddings.data)).toEqual([5, 6, 7, 8]);
    const v = await readText('qkv.json', text, { part: 'v' });
    expect(Array.from(v.embeddings.data)).toEqual([9, 10, 11, 12]);
  });

  it('skips keys it does not know, whatever they hold', async () => {
    const r = await readText('m.json', '{"meta": {"model": "glove", "x": [[1], {"y": null}]}, "vectors": [[1]], "note": "hi"}');
    expect(Array.from(r.embeddings.data)).toEqual([1]);
  });

  it('decodes escapes and non-ASCII tokens', async () => {
    const r = await readText('u.json', '{"tokens": ["caf\\u00e9", "\\"q\\"", "日本"], "vectors": [[1], [2], [3]]}');
    expect(r.embeddings.tokens).toEqual(['café', '"q"', '日本']);
  });
});

describe('json bad input', () => {
  it('an empty file', async () => {
    await expectFormatError(readText('e.json', ''), 'e.json', '', 'empty');
    await expectFormatError(readText('w.json', '  \n '), 'w.json', 'line 2, column 2', 'expected a JSON value');
  });

  it('invalid JSON reports the line and column of the syntax error', async () => {
    await expectFormatError(readText('s.json', '[[1, 2],\n [3 4]]'), 's.json', 'line 2, column 5', "expected ',' or ']'", 'the number 4');
    await expectFormatError(readText('c.json', '{"vectors": [[1]],}'), 'c.json', 'line 1, column 19', 'expected a key');
    await expectFormatError(readText('q.json', '{"vectors": [[1]], "tokens": ["a\n"]}'), 'q.json', 'line 1, column 31', 'line break inside a string');
    await expectFormatError(readText('x.json', '[[1]] x'), 'x.json', 'line 1, column 7', "unexpected character 'x'");
    await expectFormatError(readText('t.json', '[[1]] [[2]]'), 't.json', 'line 1, column 7', 'expected the end of the file');
    await expectFormatError(readText('n.json', '[[01]]'), 'n.json', 'line 1, column 3', 'invalid number "01"');
    await expectFormatError(readText('o.json', '[[1], [2]'), 'o.json', 'line 1, column 10', 'the file ends here');
  });

  it('columns count characters, not bytes', async () => {
    await expectFormatError(readText('u.json', '{"tokens": ["日本"], "vectors": [[1 2]]}'), 'u.json', 'line 1, column 35', "expected ',' or ']'");
  });

  it('ragged rows name the row that differs', async () => {
    await expectFormatError(readText('r.json', '[\n [1, 2],\n [3, 4],\n [5, 6, 7]\n]'), 'r.json', 'line 4, column 2', 'row 3 has 3 numbers; expected 2 like row 1');
    await expectFormatError(readText('r2.json', '[[1, 2], []]'), 'r2.json', 'line 1, column 10', 'row 2 is empty');
  });

  it('strings, nulls, booleans and nested arrays in vectors', async () => {
    await expectFormatError(readText('s.json', '[[1, "2"]]'), 's.json', 'line 1, column 6', 'expected a number, found the string "2"');
    await expectFormatError(readText('n.json', '[[1, null]]'), 'n.json', 'line 1, column 6', 'found null');
    await expectFormatError(readText('b.json', '[[true]]'), 'b.json', 'line 1, column 3', 'found true');
    await expectFormatError(readText('a.json', '[[1, [2]]]'), 'a.json', 'line 1, column 6', 'flat array of numbers');
    await expectFormatError(readText('o.json', '[{"a": 1}]'), 'o.json', 'line 1, column 2', 'expected a row');
    await expectFormatError(readText('v.json', '[1, 2, 3]'), 'v.json', 'line 1, column 2', 'a single vector must be written [[…]]');
  });

  it('nested garbage is bounded, not a stack overflow', async () => {
    const deep = '{"x": ' + '['.repeat(100000);
    await expectFormatError(readText('d.json', deep), 'd.json', 'line 1, column 262', 'nested more than 256 levels');
    await expectFormatError(readText('g.json', '{"vectors": {"a": [1]}}'), 'g.json', 'line 1, column 13', 'expected "vectors" to be an array of rows');
    await expectFormatError(readText('h.json', '"hello"'), 'h.json', 'line 1, column 1', 'expected an array of rows or an object with "vectors"');
    await expectFormatError(readText('k.json', '{"other": 1}'), 'k.json', '', 'found the keys "other"');
  });

  it('NaN, Infinity and out-of-range numbers are refused where they stand', async () => {
    await expectFormatError(readText('n.json', '[[1, NaN]]'), 'n.json', 'line 1, column 6', 'non-finite value NaN');
    await expectFormatError(readText('i.json', '[[1],\n[-Infinity]]'), 'i.json', 'line 2, column 2', 'non-finite value -Infinity');
    await expectFormatError(readText('i.json', '[[Infinity]]'), 'i.json', 'line 1, column 3', 'non-finite value Infinity');
    await expectFormatError(readText('r.json', '[[1e39]]'), 'r.json', 'line 1, column 3', 'outside the float32 range');
    await expectFormatError(readText('r.json', '[[1e999]]'), 'r.json', 'line 1, column 3', 'outside the float32 range');
  });

  it('tokens that do not match the rows', async () => {
    await expectFormatError(readText('t.json', '{"tokens": ["a"], "vectors": [[1], [2]]}'), 't.json', 'line 1, column 12', '"tokens" has 1 entries but there are 2 rows');
    await expectFormatError(readText('t.json', '{"tokens": [1], "vectors": [[1]]}'), 't.json', 'line 1, column 13', 'expected a token (a string), found the number 1');
  });

  it('parts: unknown names, missing parts, parts of single-matrix files', async () => {
    await expectFormatError(readText('p.json', '{"q": [[1]]}', { part: 'x' }), 'p.json', '', 'unknown part "x"');
    await expectFormatError(readText('p.json', '{"q": [[1]]}', { part: 'k' }), 'p.json', '', 'no part "k"', 'it holds "q"');
    await expectFormatError(readText('p.json', '[[1]]', { part: 'q' }), 'p.json', '', 'a single matrix');
    await expectFormatError(readText('p.json', '{"q": {"tokens": ["a"]}}'), 'p.json', 'line 1, column 7', 'part "q" has no "vectors"');
  });

  it('maxBytes bounds the output', async () => {
    const rows = JSON.stringify(Array.from({ length: 100 }, () => Array.from({ length: 100 }, () => 1)));
    await expectFormatError(readText('m.json', rows, { maxBytes: 4000 }), 'm.json', '', 'limit of 3.9 KiB');
  });
});
