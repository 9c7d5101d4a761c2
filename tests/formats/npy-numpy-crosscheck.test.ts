/**
 * An independent check of the .npy reader: numpy itself writes the files (several dtypes,
 * byte orders, Fortran order, 3-D, header versions 2 and 3) and the values it expects as JSON;
 * the reader, going through a real file handle, must agree exactly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddings } from '../../src-shared/formats';
import { FormatError } from '../../src-shared/formats/types';
import { openFileSource } from '../../src-main/service/sources/file-source';

const SCRIPT = String.raw`
import json, sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(7)
cases = {
  'f16': rng.standard_normal((5, 7)).astype('<f2'),
  'f32': rng.standard_normal((4, 6)).astype('<f4'),
  'f64': rng.standard_normal((3, 5)).astype('<f8'),
  'i32': rng.integers(-10**6, 10**6, (4, 3)).astype('<i4'),
  'i64': rng.integers(-2**40, 2**40, (2, 3)).astype('<i8'),
  'u8': rng.integers(0, 256, (3, 3)).astype('|u1'),
  'fortran': np.asfortranarray(rng.standard_normal((5, 4)).astype('<f4')),
  'big_f4': rng.standard_normal((3, 4)).astype('>f4'),
  'big_f8': rng.standard_normal((2, 5)).astype('>f8'),
  'big_i2': rng.integers(-30000, 30000, (3, 2)).astype('>i2'),
  'heads': rng.standard_normal((2, 3, 4)).astype('<f4'),
  'heads_fortran': np.asfortranarray(rng.standard_normal((3, 2, 5))),
  'v2': rng.standard_normal((3, 3)).astype('<f4'),
  'v3': rng.standard_normal((2, 2)).astype('<f4'),
}
expected = {}
for name, a in cases.items():
  path = f'{out}/{name}.npy'
  version = {'v2': (2, 0), 'v3': (3, 0)}.get(name)
  with open(path, 'wb') as f:
    np.lib.format.write_array(f, a, version=version)
  flat = a.astype(np.float32)
  if flat.ndim == 3:
    H, T, d = flat.shape
    flat = flat.transpose(1, 0, 2).reshape(T, H * d)
  expected[name] = {'shape': list(a.shape), 'descr': np.lib.format.dtype_to_descr(a.dtype),
                    'T': flat.shape[0], 'd': flat.shape[1], 'values': [float(x) for x in flat.ravel()]}
bad = np.ones((3, 4), dtype='<f4'); bad[2, 1] = np.nan
np.save(f'{out}/nan.npy', bad)
with open(f'{out}/expected.json', 'w') as f:
  json.dump(expected, f)
`;

function numpyAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasNumpy = numpyAvailable();
if (!hasNumpy) console.warn('python3 with numpy not found: the numpy cross-check is skipped');

describe.skipIf(!hasNumpy)('.npy files written by numpy', () => {
  let dir = '';
  let expected: Record<string, { shape: number[]; descr: string; T: number; d: number; values: number[] }> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qklab-npy-'));
    writeFileSync(join(dir, 'make.py'), SCRIPT);
    execFileSync('python3', [join(dir, 'make.py'), dir]);
    expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function load(name: string, chunkSize?: number) {
    const source = await openFileSource(join(dir, `${name}.npy`));
    try {
      return await readEmbeddings(source, { chunkSize });
    } finally {
      await source.close();
    }
  }

  for (const name of ['f16', 'f32', 'f64', 'i32', 'i64', 'u8', 'fortran', 'big_f4', 'big_f8', 'big_i2', 'heads', 'heads_fortran', 'v2', 'v3']) {
    it(`reads ${name} exactly as numpy does`, async () => {
      const want = expected[name];
      const got = await load(name);
      expect(got.format).toBe('npy');
      expect(got.dtype).toBe(want.descr);
      expect(got.shape).toEqual(want.shape);
      expect(got.embeddings.T).toBe(want.T);
      expect(got.embeddings.d).toBe(want.d);
      expect(Array.from(got.embeddings.data)).toEqual(want.values);
      // and the same through tiny chunks that split elements
      const chunked = await load(name, 7);
      expect(Array.from(chunked.embeddings.data)).toEqual(want.values);
    });
  }

  it('refuses the NaN numpy wrote, naming the element', async () => {
    const error = await load('nan').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(/^nan\.npy: element \[2, 1\] \(byte \d+\): found the non-finite value NaN/);
  });
});
