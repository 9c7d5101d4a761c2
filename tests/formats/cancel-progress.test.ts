/** Every reader reports progress up to 1 and stops with an AbortError when cancelled. */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { FORMATS, bytesSource } from '../../src-shared/formats';
import { enc, encodeValues, npyBytes, safetensorsBytes, word2vecBinBytes } from './helpers';

const rows = Array.from({ length: 2000 }, (_, i) => [i, i + 0.5, -i]);
const FILES: Record<string, [string, Uint8Array]> = {
  npy: ['n.npy', npyBytes({ descr: '<f4', shape: [2000, 3], data: encodeValues('f4', rows.flat()) })],
  safetensors: ['s.safetensors', safetensorsBytes([{ name: 't', dtype: 'F64', shape: [2000, 3], data: encodeValues('f8', rows.flat()) }])],
  npz: ['z.npz', zipSync({ 't.npy': npyBytes({ descr: '<f4', shape: [2000, 3], data: encodeValues('f4', rows.flat()) }) }, { level: 0 })],
  json: ['j.json', enc(JSON.stringify(rows))],
  csv: ['c.csv', enc(rows.map((r) => r.join(',')).join('\n'))],
  glove: ['g.txt', enc(rows.map((r, i) => `w${i} ${r.join(' ')}`).join('\n'))],
  'word2vec-bin': [
    'w.bin',
    word2vecBinBytes(
      rows.map((_, i) => `w${i}`),
      rows,
    ),
  ],
};

describe.each(FORMATS.map((f) => [f.id, f] as const))('%s', (id, format) => {
  const [name, bytes] = FILES[id];

  it('reports increasing progress that ends at 1', async () => {
    const seen: number[] = [];
    const r = await format.read(bytesSource(name, bytes), { chunkSize: 1024, onProgress: (f) => seen.push(f) });
    expect(r.embeddings.T).toBe(2000);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)).toBe(1);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
  });

  it('an aborted signal stops the read with an AbortError naming the file', async () => {
    const before = new AbortController();
    before.abort();
    const e1 = await format.read(bytesSource(name, bytes), { signal: before.signal }).catch((e: unknown) => e);
    expect((e1 as Error).name).toBe('AbortError');
    expect((e1 as Error).message).toBe(`${name}: loading cancelled`);

    // cancelled part way: the first progress report aborts
    const during = new AbortController();
    const e2 = await format.read(bytesSource(name, bytes), { chunkSize: 1024, signal: during.signal, onProgress: () => during.abort() }).catch((e: unknown) => e);
    expect((e2 as Error).name).toBe('AbortError');
    expect((e2 as Error).message).toBe(`${name}: loading cancelled`);
  });
});
