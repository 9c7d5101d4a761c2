import { describe, expect, it } from 'vitest';
import { EMBEDDING_EXTENSIONS, FORMATS, bytesSource, detectFormat, readEmbeddings } from '../../src-shared/formats';
import { concat, enc, encodeValues, expectFormatError, npyBytes, safetensorsBytes, word2vecBinBytes } from './helpers';

const npy = npyBytes({ descr: '<f4', shape: [1, 2], data: encodeValues('f4', [1, 2]) });
const st = safetensorsBytes([{ name: 't', dtype: 'F32', shape: [1, 2], data: encodeValues('f4', [1, 2]) }]);
const w2v = word2vecBinBytes(
  ['a', 'b'],
  [
    [0.1, 0.2],
    [0.3, -7],
  ],
);

describe('detectFormat', () => {
  it('magic bytes win over a misleading extension', () => {
    expect(detectFormat('weights.bin', npy)?.id).toBe('npy');
    expect(detectFormat('model.json', st)?.id).toBe('safetensors');
  });

  it('then the extension', () => {
    expect(detectFormat('a.json', enc('[[1]]'))?.id).toBe('json');
    expect(detectFormat('a.CSV', enc('1,2'))?.id).toBe('csv');
    expect(detectFormat('a.tsv', enc('1\t2'))?.id).toBe('csv');
    expect(detectFormat('glove.6B.50d.txt', enc('the 1 2'))?.id).toBe('glove');
    expect(detectFormat('cc.en.300.vec', enc('2 300'))?.id).toBe('glove');
    expect(detectFormat('GoogleNews.bin', w2v)?.id).toBe('word2vec-bin');
  });

  it('then the content, for files without a telling extension', () => {
    expect(detectFormat('vectors', enc(' \n{"vectors": [[1]]}'))?.id).toBe('json');
    expect(detectFormat('vectors', w2v)?.id).toBe('word2vec-bin');
    expect(detectFormat('vectors', enc('the 0.1 0.2\nof 0.3 0.4\n'))?.id).toBe('glove');
    expect(detectFormat('vectors', enc('2 3\nthe 1 2 3\n'))?.id).toBe('glove');
    expect(detectFormat('vectors', enc('token,a,b\nthe,1,2\n'))?.id).toBe('csv');
    expect(detectFormat('vectors.dat', Uint8Array.from([1, 2, 3, 250, 0]))).toBeNull();
  });

  it('every format recognises its own extension and names a title', () => {
    for (const f of FORMATS) {
      expect(f.title.length).toBeGreaterThan(0);
      for (const ext of f.extensions) expect(f.recognise(`x.${ext}`, new Uint8Array(0))).toBe(true);
    }
  });

  it('the Open dialog offers every extension once, and the extension alone picks the format that claims it', () => {
    expect(new Set(EMBEDDING_EXTENSIONS).size).toBe(EMBEDDING_EXTENSIONS.length);
    for (const f of FORMATS) {
      for (const ext of f.extensions) {
        expect(EMBEDDING_EXTENSIONS).toContain(ext);
        expect(detectFormat(`x.${ext}`, new Uint8Array(0))?.id, ext).toBe(f.id);
      }
    }
  });
});

describe('readEmbeddings', () => {
  it('reads each format through detection', async () => {
    const cases: [string, Uint8Array, number[]][] = [
      ['a.npy', npy, [1, 2]],
      ['a.safetensors', st, [1, 2]],
      ['a.json', enc('{"tokens": ["x"], "vectors": [[1, 2]]}'), [1, 2]],
      ['a.csv', enc('x,1,2\n'), [1, 2]],
      ['a.txt', enc('x 1 2\n'), [1, 2]],
      ['a.bin', word2vecBinBytes(['x'], [[1, 2]]), [1, 2]],
    ];
    for (const [name, bytes, data] of cases) {
      const r = await readEmbeddings(bytesSource(name, bytes));
      expect(Array.from(r.embeddings.data), name).toEqual(data);
    }
  });

  it('an empty file', async () => {
    await expectFormatError(readEmbeddings(bytesSource('nothing.npy', new Uint8Array(0))), 'nothing.npy', '', 'the file is empty');
  });

  it('an unrecognised file says which formats were tried', async () => {
    const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 73 + 11) % 256);
    const e = await expectFormatError(readEmbeddings(bytesSource('mystery.dat', random)), 'mystery.dat', '', 'not a recognised embedding file');
    for (const words of ['NumPy .npy (.npy)', 'safetensors', 'JSON', 'CSV / TSV (.csv, .tsv)', 'GloVe / word2vec text', 'word2vec binary (.bin)']) {
      expect(e.problem).toContain(words);
    }
  });

  it('hints at the usual wrong files', async () => {
    const zip = concat(Uint8Array.from([0x50, 0x4b, 0x03, 0x04]), new Uint8Array(20));
    await expectFormatError(readEmbeddings(bytesSource('model.pt', zip)), 'model.pt', '', 'zip archive');
    // a .npz is read as one: a broken one says so
    await expectFormatError(readEmbeddings(bytesSource('arrays.npz', zip)), 'arrays.npz', '', 'is not a .npz archive');
    const gz = concat(Uint8Array.from([0x1f, 0x8b, 8]), new Uint8Array(20));
    await expectFormatError(readEmbeddings(bytesSource('v.gz', gz)), 'v.gz', '', 'gzip');
  });

  it('random bytes with a text extension fail with a located message', async () => {
    const random = Uint8Array.from({ length: 200 }, (_, i) => (i * 97 + 5) % 256);
    await expectFormatError(readEmbeddings(bytesSource('random.txt', random)), 'random.txt', /^line \d+/);
  });
});
