/**
 * `qklab export` at length: a T = 16,384 job that keeps only the pooled overview (its full
 * matrices, 1 GiB each, are too big to hold) is written as PNG and SVG of the pooled map (its CSV and NPY: data-export.test.ts).
 * Before, the export added "weights" to the job's outputs and the engine refused it ("ask
 * for overview instead of weights").
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src-main/cli/main';
import { randomRows } from '../charts/helpers';
import { decodePng, distinctColours, pngSize } from './png';

const T = 16_384;
const dir = mkdtempSync(join(tmpdir(), 'qklab-cli-export-long-'));
const jobPath = join(dir, 'long.json');

let stderr = '';
beforeAll(() => {
  const job = {
    embeddings: { inline: { vectors: randomRows(T, 8, 11).map((r) => r.map((x) => Math.round(x * 1000) / 1000)) } },
    mask: [{ id: 'causal' }],
    outputs: ['overview', 'entropy'],
  };
  writeFileSync(jobPath, JSON.stringify(job));
});
afterEach(() => vi.restoreAllMocks());

async function qklab(...args: string[]): Promise<{ code: number; ms: number }> {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const t0 = performance.now();
  try {
    return { code: await main(args), ms: performance.now() - t0 };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Export figures for the report: printed, never asserted on (the machine is shared). */
const note = (what: string, ms: number, path: string) => console.log(`[export T=${T}] ${what}: ${(ms / 1000).toFixed(1)} s, ${(statSync(path).size / 1024).toFixed(0)} KiB`);

describe(`qklab export of an overview job at T = ${T}`, () => {
  it('png: the pooled map, with token-range axes and the caption', async () => {
    const out = join(dir, 'long.png');
    const r = await qklab('export', jobPath, '--out', out, '--scale', '1', '--workers', '2');
    expect(stderr).not.toContain('instead of');
    expect(r.code).toBe(0);
    const png = new Uint8Array(readFileSync(out));
    expect(pngSize(png).width).toBe(800);
    expect(distinctColours(decodePng(png))).toBeGreaterThan(50);
    note('png 1×', r.ms, out);
  }, 180_000);

  it('svg: axes in token ranges up to 16383, the colour bar names the pooling, the caption names data and pooling', async () => {
    const out = join(dir, 'long.svg');
    const r = await qklab('export', jobPath, '--out', out, '--workers', '2');
    expect(r.code).toBe(0);
    const svg = readFileSync(out, 'utf8');
    // token ranges (thinned to fit), from 0 to near the end of the axis: not overview or cell indices
    const ranges = [...svg.matchAll(/>(\d+)–(\d+)<\/text>/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(ranges[0][0]).toBe(0);
    expect(Math.max(...ranges.map((r) => r[1]))).toBeGreaterThan(15_000);
    expect(svg).toMatch(/mean of \d+×\d+ blocks/);
    expect(svg).toContain('pooled overview (mean of blocks)');
    expect(svg).toContain(`data inline (${T} tokens)`);
    note('svg', r.ms, out);
  }, 180_000);
});
