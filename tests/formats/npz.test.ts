/**
 * The .npz reader against archives numpy wrote (scripts/make-capture-fixtures.py):
 * numpy.savez (stored members) and numpy.savez_compressed (deflated) of the same arrays,
 * whose values numpy also wrote as JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, detectFormat, openTensorArchive, readEmbeddings } from '../../src-shared/formats';
import { FormatError } from '../../src-shared/formats/types';
import { openFileSource } from '../../src-main/service/sources/file-source';

const DIR = join(__dirname, '..', 'fixtures', 'captures');
const expected = JSON.parse(readFileSync(join(DIR, 'arrays.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
const fixture = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));

async function formatError(promise: Promise<unknown>): Promise<FormatError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe.each(['arrays.npz', 'arrays-compressed.npz'])('%s (written by numpy)', (name) => {
  it('reads a 2-D member as embeddings, chosen by name, through a file handle', async () => {
    const source = await openFileSource(join(DIR, name));
    try {
      const loaded = await readEmbeddings(source, { part: 'vectors' });
      expect(loaded.format).toBe('npz');
      expect(loaded.part).toBe('vectors');
      expect(loaded.parts).toEqual(['vectors', 'heads', 'fortran']);
      expect(loaded.shape).toEqual([5, 6]);
      expect([loaded.embeddings.T, loaded.embeddings.d]).toEqual([5, 6]);
      expect(Array.from(loaded.embeddings.data)).toEqual(expected.vectors.values);
    } finally {
      await source.close();
    }
  });

  it('reads a Fortran-order member in row order, and a float64 H×T×d member with heads side by side', async () => {
    const fortran = await readEmbeddings(bytesSource(name, fixture(name)), { part: 'fortran' });
    expect(Array.from(fortran.embeddings.data)).toEqual(expected.fortran.values);
    const heads = await readEmbeddings(bytesSource(name, fixture(name)), { part: 'heads' });
    const [H, T, d] = expected.heads.shape;
    expect([heads.embeddings.T, heads.embeddings.d]).toEqual([T, H * d]);
    // head h of row t sits in columns [h·d, (h+1)·d), as for a 3-D .npy
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < d; j++) expect(heads.embeddings.data[t * H * d + h * d + j]).toBe(expected.heads.values[(h * T + t) * d + j]);
      }
    }
  });

  it('opens as a tensor archive: every member by name, its shape, its values in C order', async () => {
    const archive = await openTensorArchive(bytesSource(name, fixture(name)));
    expect(archive.format).toBe('npz');
    expect(archive.names).toEqual(['vectors', 'heads', 'fortran']);
    for (const member of archive.names) {
      expect((await archive.describe(member)).shape).toEqual(expected[member].shape);
      expect(Array.from(await archive.read(member))).toEqual(expected[member].values);
    }
  });

  it('is recognised by its first member even without the .npz extension', () => {
    expect(detectFormat('arrays.bin', fixture(name).subarray(0, 4096))?.id).toBe('npz');
  });

  it('asks for a name when several arrays could be embeddings, and lists them', async () => {
    const error = await formatError(readEmbeddings(bytesSource(name, fixture(name))));
    expect(error.message).toBe(`${name}: 3 arrays could be embeddings; choose one by name: 'vectors', 'heads', 'fortran'`);
    const missing = await formatError(readEmbeddings(bytesSource(name, fixture(name)), { part: 'wte' }));
    expect(missing.message).toBe(`${name}: array 'wte': no such array; the file holds 'vectors', 'heads', 'fortran'`);
  });

  it('refuses a truncated archive with a message naming the file, whatever the cut', async () => {
    const bytes = fixture(name);
    for (const length of [1, 4, 30, 100, Math.floor(bytes.length / 2), bytes.length - 30, bytes.length - 1]) {
      const error = await formatError(readEmbeddings(bytesSource('cut.npz', bytes.subarray(0, length)), { part: 'vectors' }));
      expect(error.file.startsWith('cut.npz')).toBe(true);
      expect(error.message).toMatch(/truncated|ends|ended/);
    }
  });
});

describe('bad .npz archives', () => {
  it('names a member that is not an .npy array', async () => {
    const error = await formatError(readEmbeddings(bytesSource('not-npy.npz', fixture('not-npy.npz'))));
    expect(error.message).toBe(`not-npy.npz: member "readme.txt": is not a .npy array; expected an .npz written by numpy.savez, whose members are all .npy files`);
  });

  it('names the member whose deflated data is corrupt', async () => {
    const bytes = Uint8Array.from(fixture('arrays-compressed.npz'));
    // the first member's compressed data starts after its 30-byte local header, name and extra field
    const start = 30 + (bytes[26] | (bytes[27] << 8)) + (bytes[28] | (bytes[29] << 8));
    bytes.fill(0xff, start + 4, start + 60);
    const error = await formatError(readEmbeddings(bytesSource('bad.npz', bytes), { part: 'vectors' }));
    expect(error.message.startsWith("bad.npz: member 'vectors.npy': ")).toBe(true);
  });

  it("a member's unpacked size is checked before it is inflated: a 4 GiB claim is refused, a short one is caught", async () => {
    const bytes = Uint8Array.from(fixture('arrays-compressed.npz'));
    const view = new DataView(bytes.buffer);
    // the first central-directory entry (signature PK\1\2): uncompressed size at +24
    let at = bytes.length - 22;
    at = view.getUint32(at + 16, true);
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    view.setUint32(at + 24, 0xfffffff0, true);
    const big = await formatError(readEmbeddings(bytesSource('bomb.npz', bytes), { part: 'vectors' }));
    expect(big.message).toBe("bomb.npz: member 'vectors.npy': unpacks to 4.0 GiB, more than the limit of 2.0 GiB");
    view.setUint32(at + 24, 100, true);
    const short = await formatError(readEmbeddings(bytesSource('short.npz', bytes), { part: 'vectors' }));
    expect(short.message.startsWith("short.npz: member 'vectors.npy': ")).toBe(true);
  });

  it('names the member when its .npy header is wrong', async () => {
    const bytes = Uint8Array.from(fixture('arrays.npz'));
    // the stored first member's .npy magic, corrupted
    const start = 30 + (bytes[26] | (bytes[27] << 8)) + (bytes[28] | (bytes[29] << 8));
    expect(Array.from(bytes.subarray(start + 1, start + 6), (b) => String.fromCharCode(b)).join('')).toBe('NUMPY');
    bytes[start + 1] = 0x58;
    const error = await formatError(readEmbeddings(bytesSource('bad.npz', bytes), { part: 'vectors' }));
    expect(error.message.startsWith("bad.npz: member 'vectors.npy': byte 1: expected the .npy magic")).toBe(true);
  });
});
