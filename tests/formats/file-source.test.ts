import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEmbeddings } from '../../src-shared/formats';
import { openFileSource } from '../../src-main/service/sources/file-source';
import { enc, expectFormatError } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'qklab-src-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openFileSource', () => {
  it('reads ranges of a file by its base name, clamped at the end', async () => {
    const path = join(dir, 'hello.txt');
    writeFileSync(path, 'hello world');
    const s = await openFileSource(path);
    try {
      expect(s.name).toBe('hello.txt');
      expect(s.size).toBe(11);
      expect(new TextDecoder().decode(await s.read(6, 5))).toBe('world');
      expect(new TextDecoder().decode(await s.read(6, 100))).toBe('world');
      expect((await s.read(50, 10)).length).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('feeds the readers, whose errors name the file', async () => {
    const good = join(dir, 'vectors.txt');
    writeFileSync(good, enc('the 1 2\ncat 3 4\n'));
    const bad = join(dir, 'broken.txt');
    writeFileSync(bad, enc('the 1 2\ncat 3 x\n'));
    for (const [path, ok] of [
      [good, true],
      [bad, false],
    ] as const) {
      const s = await openFileSource(path);
      try {
        if (ok) expect((await readEmbeddings(s, { chunkSize: 3 })).embeddings.tokens).toEqual(['the', 'cat']);
        else await expectFormatError(readEmbeddings(s), 'broken.txt', 'line 2, column 3');
      } finally {
        await s.close();
      }
    }
  });

  it('a missing file or a directory is an error, not a source', async () => {
    await expect(openFileSource(join(dir, 'missing.npy'))).rejects.toThrow(/ENOENT/);
    await expect(openFileSource(dir)).rejects.toThrow(/not a regular file/);
  });
});
