/**
 * Property tests: whatever the bytes, a reader either succeeds or throws a FormatError (or an
 * AbortError when cancelled), and never hangs. Inputs are kept small so each case is fast.
 */
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FORMATS, bytesSource, readEmbeddings } from '../../src-shared/formats';
import type { FormatModule } from '../../src-shared/formats/module';
import { FormatError } from '../../src-shared/formats/types';
import { enc, encodeValues, npyBytes, safetensorsBytes, word2vecBinBytes } from './helpers';
import { runs } from '../reliability/runs';

const VALID: Record<string, Uint8Array> = {
  npy: npyBytes({ descr: '<f4', shape: [2, 2, 3], data: encodeValues('f4', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) }),
  safetensors: safetensorsBytes([
    { name: 'a', dtype: 'F16', shape: [2, 3], data: encodeValues('f2', [1, 2, 3, 4, 5, 6]) },
    { name: 'b', dtype: 'F32', shape: [3], data: encodeValues('f4', [1, 2, 3]) },
  ]),
  // numpy.savez_compressed's layout: one deflated .npy member
  npz: zipSync({ 'a.npy': npyBytes({ descr: '<f4', shape: [2, 3], data: encodeValues('f4', [1, 2, 3, 4, 5, 6]) }) }, { level: 6 }),
  json: enc('{"tokens": ["a", "b"], "q": [[1, 2.5], [3, -4e-2]], "k": {"vectors": [[1, 2], [3, 4]]}}'),
  csv: enc('token,x,y\n"a,b",1,2\nc,3,4e1\n'),
  glove: enc('2 3\nthe 0.1 0.2 0.3\n. . . 1 2 3\n'),
  'word2vec-bin': word2vecBinBytes(
    ['the', 'of'],
    [
      [0.5, -1],
      [2, 3],
    ],
  ),
};
const NAME: Record<string, string> = {
  npy: 'f.npy',
  safetensors: 'f.safetensors',
  npz: 'f.npz',
  json: 'f.json',
  csv: 'f.csv',
  glove: 'f.txt',
  'word2vec-bin': 'f.bin',
};

/** Reads with a deadline: a reader that takes longer than this has hung. */
async function outcome(read: () => Promise<unknown>): Promise<'ok' | 'format-error'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the reader hung')), 2000);
  });
  try {
    await Promise.race([read(), deadline]);
    return 'ok';
  } catch (error) {
    if (error instanceof FormatError) return 'format-error';
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

const mutation = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });

describe.each(FORMATS.map((f) => [f.id, f] as [string, FormatModule]))('%s under random input', (id, format) => {
  const valid = VALID[id];
  const name = NAME[id];

  it('the valid fixture reads', async () => {
    await expect(format.read(bytesSource(name, valid))).resolves.toBeDefined();
  });

  it('random bytes give only FormatErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), async (bytes, chunkSize) => {
        await outcome(() => format.read(bytesSource(name, bytes), { chunkSize }));
      }),
      { numRuns: runs(150) },
    );
  });

  it('every truncation of a valid file reads or gives a FormatError', async () => {
    for (let cut = 0; cut < valid.length; cut++) {
      const result = await outcome(() => format.read(bytesSource(name, valid.subarray(0, cut))));
      // binary formats have no valid proper prefix (their sizes are all checked) but for
      // word2vec's optional last newline
      const onlyWhitespaceCut = valid.subarray(cut).every((b) => b === 0x0a);
      if ((id === 'npy' || id === 'safetensors' || id === 'npz' || id === 'word2vec-bin') && !onlyWhitespaceCut) {
        expect(result, `cut at ${cut}`).toBe('format-error');
      }
    }
  });

  it('random byte changes and truncations give only FormatErrors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { maxLength: 6 }), fc.nat({ max: valid.length }), fc.integer({ min: 1, max: 32 }), async (mutations, cut, chunkSize) => {
        const bytes = valid.slice(0, Math.max(cut, 1));
        for (const m of mutations) bytes[m.at % bytes.length] = m.value;
        await outcome(() => format.read(bytesSource(name, bytes), { chunkSize, part: id === 'safetensors' ? 'a' : undefined }));
      }),
      { numRuns: runs(300) },
    );
  });
});

describe('readEmbeddings under random input', () => {
  it('random bytes with any name give only FormatErrors', async () => {
    const names = ['x.npy', 'x.safetensors', 'x.npz', 'x.json', 'x.csv', 'x.tsv', 'x.txt', 'x.vec', 'x.bin', 'x', 'x.dat'];
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(...names), async (bytes, name) => {
        await outcome(() => readEmbeddings(bytesSource(name, bytes)));
      }),
      { numRuns: runs(400) },
    );
  });

  it('random text lines give only FormatErrors', async () => {
    const cell = fc.oneof(fc.constantFrom('1', '-2.5', 'nan', 'x', '"q"', '', '1e99', '[', ']', '{', '}', ','), fc.double().map(String));
    const line = fc.array(cell, { maxLength: 6 }).chain((cells) => fc.constantFrom(' ', ',', '\t').map((sep) => cells.join(sep)));
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 8 }), fc.constantFrom('x.txt', 'x.csv', 'x.json', 'x'), async (lines, name) => {
        await outcome(() => readEmbeddings(bytesSource(name, enc(lines.join('\n')))));
      }),
      { numRuns: runs(400) },
    );
  });
});
