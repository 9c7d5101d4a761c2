/**
 * Reading with a tiny chunk size must give exactly what one big chunk gives: every line,
 * token, number, quoted field and JSON token may be split across reads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORMATS, bytesSource } from '../../src-shared/formats';
import type { LoadedEmbeddings } from '../../src-shared/formats/types';
import { enc, encodeValues, npyBytes, safetensorsBytes, word2vecBinBytes } from './helpers';

const byId = (id: string) => FORMATS.find((f) => f.id === id)!;

function same(a: LoadedEmbeddings, b: LoadedEmbeddings) {
  expect(b.shape).toEqual(a.shape);
  expect(b.embeddings.tokens).toEqual(a.embeddings.tokens);
  expect(Array.from(b.embeddings.data)).toEqual(Array.from(a.embeddings.data));
}

const FILES: [string, string, Uint8Array][] = [
  ['glove', 'g.txt', enc('\uFEFF3 4\r\nthe 0.418 0.24968 -0.41242 0.1217\r\ncafé -1e-3 2.5E+2 3 4\r\n. . . 1 2 3 4')],
  ['csv', 'c.csv', enc('\uFEFFtoken,"a\nb",c\r\n"x,""y""",0.125,-3\r\n"multi line",1e2,4\r\nplain,5,6\r\n')],
  ['csv', 'c.tsv', enc('w\ta\tb\nthé\t1.5\t2\nchat\t3\t4')],
  ['json', 'j.json', enc('\uFEFF{"tokens": ["caf\\u00e9", "日本", "\\"q\\""],\r\n "vectors": [[0.1, -2.5e-3], [1E3, 4], [5, 6.25]]}\n')],
  ['json', 'qkv.json', enc('{"q": [[1, 2]], "k": {"tokens": ["x"], "vectors": [[3, 4]]}, "v": [[5, 6]]}')],
  [
    'word2vec-bin',
    'w.bin',
    word2vecBinBytes(
      ['the', 'café', 'x'],
      [
        [0.1, 0.2, 0.3],
        [1, 2, 3],
        [-4, 5, 6],
      ],
    ),
  ],
  ['npy', 'n.npy', npyBytes({ descr: '>f8', shape: [2, 2, 3], fortran: true, data: encodeValues('f8', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], false) })],
  ['safetensors', 's.safetensors', safetensorsBytes([{ name: 't', dtype: 'BF16', shape: [3, 2], data: encodeValues('bf2', [1, 2, 3, 4, 5, 6]) }])],
];

describe('chunk boundaries', () => {
  for (const [id, name, bytes] of FILES) {
    it(`${name} (${id}) reads the same with chunks of 1…17 bytes as in one chunk`, async () => {
      const format = byId(id);
      const whole = await format.read(bytesSource(name, bytes), { chunkSize: 1 << 22 });
      for (let chunkSize = 1; chunkSize <= 17; chunkSize++) {
        same(whole, await format.read(bytesSource(name, bytes), { chunkSize }));
      }
    });
  }

  it('random GloVe text reads the same at any chunk size (property)', async () => {
    const token = fc.string({ unit: fc.constantFrom('a', 'é', '日', '.', ','), minLength: 1, maxLength: 5 });
    const row = fc.tuple(
      token,
      fc.array(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((x) => x + 0),
        { minLength: 3, maxLength: 3 },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 10 }), fc.constantFrom('\n', '\r\n'), fc.integer({ min: 1, max: 40 }), async (rows, eol, chunkSize) => {
        const text = rows.map(([t, v]) => `${t} ${v.join(' ')}`).join(eol) + eol;
        const format = byId('glove');
        const whole = await format.read(bytesSource('r.txt', enc(text)));
        same(whole, await format.read(bytesSource('r.txt', enc(text)), { chunkSize }));
        expect(whole.embeddings.tokens).toEqual(rows.map(([t]) => t));
        expect(Array.from(whole.embeddings.data)).toEqual(Array.from(new Float32Array(rows.flatMap(([, v]) => v))));
      }),
      { numRuns: 150 },
    );
  });

  it('random JSON reads the same at any chunk size (property)', async () => {
    const rowsArb = fc.integer({ min: 1, max: 4 }).chain((d) =>
      fc.array(
        fc.array(
          fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x + 0),
          { minLength: d, maxLength: d },
        ),
        { minLength: 1, maxLength: 6 },
      ),
    );
    await fc.assert(
      fc.asyncProperty(rowsArb, fc.integer({ min: 1, max: 30 }), async (rows, chunkSize) => {
        const text = JSON.stringify({ tokens: rows.map((_, i) => `t${i}é`), vectors: rows }, null, 1);
        const format = byId('json');
        const small = await format.read(bytesSource('r.json', enc(text)), { chunkSize });
        expect(Array.from(small.embeddings.data)).toEqual(Array.from(new Float32Array(rows.flat())));
        expect(small.embeddings.tokens).toEqual(rows.map((_, i) => `t${i}é`));
      }),
      { numRuns: 150 },
    );
  });
});
