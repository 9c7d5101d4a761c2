import { describe, expect, it } from 'vitest';
import { npyFormat } from '../../src-shared/formats/npy';
import { encodeValues, expectFormatError, f32, npyBytes, read, type Kind } from './helpers';

const values = [0, 1, -2, 3.5, 0.25, -0.125, 64, 7, 8, -9, 10, 11]; // exact in every float dtype
const uvalues = [0, 1, 2, 3, 4, 5, 6, 7, 200, 9, 10, 11]; // in range of uint8

describe('npy round trips', () => {
  const floatKinds: [string, Kind][] = [
    ['f2', 'f2'],
    ['f4', 'f4'],
    ['f8', 'f8'],
  ];
  const intKinds: [string, Kind][] = [
    ['i1', 'i1'],
    ['i2', 'i2'],
    ['i4', 'i4'],
    ['i8', 'i8'],
  ];
  const uintKinds: [string, Kind][] = [
    ['u1', 'u1'],
    ['u2', 'u2'],
    ['u4', 'u4'],
    ['u8', 'u8'],
  ];

  for (const [code, kind] of [...floatKinds, ...intKinds]) {
    for (const order of ['<', '>'] as const) {
      if (kind.endsWith('1') && order === '>') continue;
      const descr = (kind.endsWith('1') ? '|' : order) + code;
      it(`reads ${descr} 3×4 C order`, async () => {
        const data = encodeValues(kind, kind.startsWith('i') ? values.map((v) => Math.trunc(v) || 0) : values, order === '<');
        const r = await read(npyFormat, 'x.npy', npyBytes({ descr, shape: [3, 4], data }));
        expect(r.format).toBe('npy');
        expect(r.dtype).toBe(descr);
        expect(r.shape).toEqual([3, 4]);
        expect(r.embeddings.T).toBe(3);
        expect(r.embeddings.d).toBe(4);
        expect(r.embeddings.tokens).toBeNull();
        expect(Array.from(r.embeddings.data)).toEqual(f32(kind.startsWith('i') ? values.map((v) => Math.trunc(v) || 0) : values));
      });
    }
  }
  for (const [code, kind] of uintKinds) {
    it(`reads unsigned ${code} in both byte orders`, async () => {
      for (const le of [true, false]) {
        const descr = (kind === 'u1' ? '|' : le ? '<' : '>') + code;
        const r = await read(npyFormat, 'u.npy', npyBytes({ descr, shape: [2, 6], data: encodeValues(kind, uvalues, le) }));
        expect(Array.from(r.embeddings.data)).toEqual(uvalues);
      }
    });
  }

  it('reads large 64-bit integers as the nearest float32', async () => {
    const big = [2 ** 40, -(2 ** 40), 123456789, 1];
    const r = await read(npyFormat, 'big.npy', npyBytes({ descr: '<i8', shape: [2, 2], data: encodeValues('i8', big) }));
    expect(Array.from(r.embeddings.data)).toEqual(f32(big));
  });

  it('reads Fortran order: element [i, j] is stored at j·T + i', async () => {
    // the 2×3 matrix [[1,2,3],[4,5,6]] stored column by column
    const data = encodeValues('f4', [1, 4, 2, 5, 3, 6]);
    const r = await read(npyFormat, 'f.npy', npyBytes({ descr: '<f4', shape: [2, 3], fortran: true, data }));
    expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('turns a 3-D H×T×d array into T×(H·d) with head h in columns [h·d, (h+1)·d)', async () => {
    const H = 2,
      T = 3,
      d = 2;
    const stored: number[] = [];
    for (let h = 0; h < H; h++) for (let t = 0; t < T; t++) for (let j = 0; j < d; j++) stored.push(100 * h + 10 * t + j);
    const r = await read(npyFormat, 'h.npy', npyBytes({ descr: '<f4', shape: [H, T, d], data: encodeValues('f4', stored) }));
    expect(r.shape).toEqual([H, T, d]);
    expect(r.embeddings.T).toBe(T);
    expect(r.embeddings.d).toBe(H * d);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < d; j++) expect(r.embeddings.data[t * H * d + h * d + j]).toBe(100 * h + 10 * t + j);
      }
    }
  });

  it('reads a 3-D Fortran-order array', async () => {
    const H = 2,
      T = 2,
      d = 3;
    const stored: number[] = [];
    // Fortran: first index fastest
    for (let j = 0; j < d; j++) for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) stored.push(100 * h + 10 * t + j);
    const r = await read(npyFormat, 'hf.npy', npyBytes({ descr: '<f8', shape: [H, T, d], fortran: true, data: encodeValues('f8', stored) }));
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++)
        for (let j = 0; j < d; j++) {
          expect(r.embeddings.data[t * H * d + h * d + j]).toBe(100 * h + 10 * t + j);
        }
  });

  it('reads header versions 1, 2 and 3 (v3 with a UTF-8 header)', async () => {
    for (const version of [1, 2, 3] as const) {
      const r = await read(npyFormat, `v${version}.npy`, npyBytes({ version, descr: '<f4', shape: [2, 2], data: encodeValues('f4', [1, 2, 3, 4]) }));
      expect(Array.from(r.embeddings.data)).toEqual([1, 2, 3, 4]);
    }
  });

  it('accepts Python 2 headers with long integers like (3L, 4L)', async () => {
    const data = encodeValues('f4', [1, 2, 3, 4, 5, 6]);
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }";
    const r = await read(npyFormat, 'py2.npy', npyBytes({ descr: '', shape: [], header, data }));
    expect(r.shape).toEqual([2, 3]);
  });

  it('reads in chunks that split elements, with progress ending at 1', async () => {
    const many = Array.from({ length: 300 }, (_, i) => i / 8);
    const progress: number[] = [];
    const r = await read(npyFormat, 'c.npy', npyBytes({ descr: '>f8', shape: [30, 10], data: encodeValues('f8', many, false) }), {
      chunkSize: 13,
      onProgress: (f) => progress.push(f),
    });
    expect(Array.from(r.embeddings.data)).toEqual(f32(many));
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('npy bad input', () => {
  const good = () => npyBytes({ descr: '<f4', shape: [2, 3], data: encodeValues('f4', [1, 2, 3, 4, 5, 6]) });

  it('an empty file', async () => {
    await expectFormatError(read(npyFormat, 'e.npy', new Uint8Array(0)), 'e.npy', '', 'empty');
  });

  it('bad magic', async () => {
    const bytes = good();
    bytes[1] = 0x58;
    await expectFormatError(read(npyFormat, 'm.npy', bytes), 'm.npy', 'byte 1', 'magic');
  });

  it('an unknown version', async () => {
    const bytes = good();
    bytes[6] = 9;
    await expectFormatError(read(npyFormat, 'v.npy', bytes), 'v.npy', 'byte 6', 'version 9.0');
  });

  it('a file that ends inside the preamble', async () => {
    await expectFormatError(read(npyFormat, 'p.npy', good().subarray(0, 8)), 'p.npy', 'byte 8', 'preamble');
  });

  it('a header length past the end of the file', async () => {
    const bytes = good().slice(0, 40);
    await expectFormatError(read(npyFormat, 'h.npy', bytes), 'h.npy', 'byte 8', 'header length 118 runs past the end of the file (40 bytes)');
  });

  it('truncated data: shorter than the header claims', async () => {
    const bytes = good();
    const cut = bytes.subarray(0, bytes.length - 5);
    await expectFormatError(read(npyFormat, 't.npy', cut), 't.npy', `byte ${cut.length}`, 'truncated', '(2, 3)', "'<f4'");
  });

  it('a header that claims 3 GB in a 1 KB file is an error, not an allocation', async () => {
    const bytes = npyBytes({ descr: '<f4', shape: [1_000_000, 750], data: new Uint8Array(900) });
    await expectFormatError(read(npyFormat, 'huge.npy', bytes), 'huge.npy', `byte ${bytes.length}`, '2.8 GiB');
  });

  it('a header that lies about the shape (more data than claimed)', async () => {
    const bytes = npyBytes({ descr: '<f4', shape: [2, 2], data: encodeValues('f4', [1, 2, 3, 4, 5, 6]) });
    await expectFormatError(read(npyFormat, 'l.npy', bytes), 'l.npy', "header field 'shape'", 'the shape is wrong');
  });

  for (const [descr, words] of [
    ['<c8', 'complex'],
    ['|O', 'Python objects'],
    ['<U10', 'unicode strings'],
    ['|S5', 'byte strings'],
    ['|b1', 'booleans'],
    ['<M8', 'dates'],
    ['<f16', "unsupported dtype '<f16'"],
    ['<x4', "unsupported dtype '<x4'"],
  ]) {
    it(`an unsupported dtype ${descr}`, async () => {
      const bytes = npyBytes({ descr, shape: [1, 1], data: new Uint8Array(4) });
      await expectFormatError(read(npyFormat, 'd.npy', bytes), 'd.npy', "header field 'descr'", words);
    });
  }

  it('a structured dtype', async () => {
    const header = "{'descr': [('a', '<f4'), ('b', '<f4')], 'fortran_order': False, 'shape': (2,), }";
    const bytes = npyBytes({ descr: '', shape: [], header, data: new Uint8Array(16) });
    await expectFormatError(read(npyFormat, 's.npy', bytes), 's.npy', "header field 'descr'", 'structured');
  });

  for (const [shape, words] of [
    [[], '0-D'],
    [[5], '1-D array of shape (5,)'],
    [[2, 2, 2, 2], '4-D array of shape (2, 2, 2, 2)'],
  ] as [number[], string][]) {
    it(`a ${shape.length}-D array`, async () => {
      const count = shape.reduce((a, b) => a * b, 1);
      const bytes = npyBytes({ descr: '<f4', shape, data: new Uint8Array(4 * count) });
      await expectFormatError(read(npyFormat, 'n.npy', bytes), 'n.npy', "header field 'shape'", 'expected a 2-D (T×d) or 3-D (H×T×d) array', words);
    });
  }

  it('an empty (0-row) array', async () => {
    const bytes = npyBytes({ descr: '<f4', shape: [0, 4], data: new Uint8Array(0) });
    await expectFormatError(read(npyFormat, 'z.npy', bytes), 'z.npy', "header field 'shape'", 'empty');
  });

  it('a header that is not a Python literal names the byte', async () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), nonsense}";
    const bytes = npyBytes({ descr: '', shape: [], header, data: encodeValues('f4', [1, 2, 3, 4, 5, 6]) });
    const at = 10 + header.indexOf('nonsense');
    await expectFormatError(read(npyFormat, 'b.npy', bytes), 'b.npy', `byte ${at}`, 'not a valid Python literal');
  });

  it('missing header fields', async () => {
    const header = "{'descr': '<f4', 'shape': (2, 3), }";
    const bytes = npyBytes({ descr: '', shape: [], header, data: encodeValues('f4', [1, 2, 3, 4, 5, 6]) });
    await expectFormatError(read(npyFormat, 'f.npy', bytes), 'f.npy', "header field 'fortran_order'", 'missing');
  });

  it('NaN and Inf values name the element and byte', async () => {
    const data = encodeValues('f4', [1, 2, 3, 4, NaN, 6]);
    const bytes = npyBytes({ descr: '<f4', shape: [2, 3], data });
    const start = bytes.length - 24;
    await expectFormatError(read(npyFormat, 'nan.npy', bytes), 'nan.npy', `element [1, 1] (byte ${start + 16})`, 'non-finite');
    const inf = npyBytes({ descr: '>f2', shape: [3, 1], data: encodeValues('f2', [1, 2, 0], false) });
    inf[inf.length - 2] = 0x7c; // big-endian +Inf in the last element
    inf[inf.length - 1] = 0x00;
    await expectFormatError(read(npyFormat, 'inf.npy', inf), 'inf.npy', `element [2, 0] (byte ${inf.length - 2})`, 'Infinity');
  });

  it('float64 values beyond the float32 range are refused', async () => {
    const bytes = npyBytes({ descr: '<f8', shape: [1, 2], data: encodeValues('f8', [1, 1e300]) });
    await expectFormatError(read(npyFormat, 'r.npy', bytes), 'r.npy', /^element \[0, 1\]/, 'outside the float32 range');
  });

  it('maxBytes bounds the output', async () => {
    const bytes = npyBytes({ descr: '|u1', shape: [100, 100], data: new Uint8Array(10000) });
    await expectFormatError(read(npyFormat, 'big.npy', bytes, { maxBytes: 1000 }), 'big.npy', "header field 'shape'", 'more than the limit of 1000 bytes');
  });
});
