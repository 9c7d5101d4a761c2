/** exportRun: every format written where the user chose, from a run made with the real engine. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { outputsFor as appOutputsFor } from '../../src-renderer/src/logic/jobspec';
import { join } from 'node:path';
import { CpuPool } from '../../src-main/engine/pool';
import { LabService } from '../../src-main/service/lab-service';
import { defaultExportHeight, DEFAULT_EXPORT_WIDTH } from '../../src-main/service/export/heatmap-export';
import type { ProgressEvent } from '../../src-shared/api/lab-api';
import { existsSync } from 'node:fs';
import { ScriptedHost, WORDS, tempDir, vectors } from './helpers';
import { readPng } from './png';

let pool: CpuPool;
let tmp: ReturnType<typeof tempDir>;
let host: ScriptedHost;
let service: LabService;
const progress: ProgressEvent[] = [];

beforeAll(async () => {
  pool = new CpuPool({ workers: 2 });
  tmp = tempDir();
  host = new ScriptedHost(join(tmp.dir, 'user'));
  service = await LabService.create({ host, backend: pool, onProgress: (e) => progress.push(e) });
  await service.runJob({
    runId: 'run-x',
    job: { embeddings: { inline: { tokens: WORDS, vectors: vectors(8, 6) } }, heads: 2, mask: [{ id: 'causal' }], outputs: ['weights', 'scores', 'entropy'] },
  });
});
afterAll(async () => {
  await service.close();
  await pool.close();
  tmp.cleanup();
});

function chooseSave(name: string): string {
  const path = join(tmp.dir, name);
  host.saves.push(path);
  return path;
}

describe('exporting a run', () => {
  for (const scale of [1, 2, 4]) {
    it(`writes a valid PNG at ${scale}× the CSS size`, async () => {
      const path = chooseSave(`heat@${scale}.png`);
      expect(await service.exportRun({ runId: 'run-x', format: 'png', scale, caption: 'dot · causal · softmax' })).toBe(path);
      const png = readPng(readFileSync(path));
      expect(png.width).toBe(DEFAULT_EXPORT_WIDTH * scale);
      expect(png.height).toBe(defaultExportHeight(8, 8) * scale);
    });
  }

  it('writes SVG with the caption, for the asked head and matrix', async () => {
    const path = chooseSave('heat.svg');
    await service.exportRun({ runId: 'run-x', format: 'svg', view: { matrix: 'scores', colormap: 'magma', scale: 'linear', head: 1 }, caption: 'my caption' });
    const svg = readFileSync(path, 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('my caption');
    expect(svg).toContain('head 1');
  });

  it('all heads as one figure: a panel a head, one colour scale, the caption once (SVG and PNG)', async () => {
    const path = chooseSave('heads.svg');
    await service.exportRun({ runId: 'run-x', format: 'svg', picture: { kind: 'grid' }, caption: 'grid caption' });
    const svg = readFileSync(path, 'utf8');
    expect(svg.match(/<svg /g)).toHaveLength(1 + 2 + 1);
    expect(svg).toContain('Attention weights · head 0');
    expect(svg).toContain('Attention weights · head 1');
    expect(svg.split('grid caption')).toHaveLength(2);
    // one scale: both colour bars end at the same top value (the largest weight of either head)
    const run = service.storedRun('run-x')!;
    const top = Math.max(...run.result.weights!);
    const bars = [...svg.matchAll(/>(\d(?:\.\d+)?)<\/text>/g)].map((m) => Number(m[1]));
    expect(bars.filter((v) => v === 1 || v === Number(top.toPrecision(3))).length).toBeGreaterThanOrEqual(2);
    const pngPath = chooseSave('heads.png');
    await service.exportRun({ runId: 'run-x', format: 'png', scale: 1, picture: { kind: 'grid' } });
    const png = readPng(readFileSync(pngPath));
    expect(png.width).toBe(2 * 440);
  });

  it('a grid or a region is a picture: CSV refuses it, naming the field', async () => {
    chooseSave('nope.csv');
    await expect(service.exportRun({ runId: 'run-x', format: 'csv', picture: { kind: 'grid' } })).rejects.toThrow(/picture: a grid is a picture/);
  });

  it('writes CSV, NPY and JSON data', async () => {
    const csvPath = chooseSave('w.csv');
    await service.exportRun({ runId: 'run-x', format: 'csv' });
    const lines = readFileSync(csvPath, 'utf8').trim().split(/\r\n/);
    // the second "the" is numbered, so each column names one position
    expect(lines[0]).toBe(['query\\key', ...WORDS.map((w, i) => (w === 'the' && i > 0 ? 'the#2' : w))].join(','));
    // causal: query 0 sees key 0 only; its masked cells are empty, not 0
    expect(lines[1].split(',').slice(2)).toEqual(['', '', '', '', '', '', '']);
    expect(lines).toHaveLength(9);
    const sum = lines[3]
      .split(',')
      .slice(1)
      .reduce((a, x) => a + (x === '' ? 0 : Number(x)), 0);
    expect(sum).toBeCloseTo(1, 5);

    const npyPath = chooseSave('w.npy');
    await service.exportRun({ runId: 'run-x', format: 'npy' });
    const npy = readFileSync(npyPath);
    expect(npy.subarray(1, 6).toString('latin1')).toBe('NUMPY');
    expect(npy.toString('latin1', 10, 10 + npy.readUInt16LE(8))).toMatch(/'shape': \(2, 8, 8\)/);

    const jsonPath = chooseSave('r.json');
    await service.exportRun({ runId: 'run-x', format: 'json' });
    const json = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(json.heads).toHaveLength(2);
    expect(json.tokens.queries).toEqual(WORDS);
    expect(json.job.mask).toEqual([{ id: 'causal' }]);
  });

  it('returns null when the Save dialog is cancelled, and refuses unknown runs and heads', async () => {
    host.saves.push(null);
    expect(await service.exportRun({ runId: 'run-x', format: 'png' })).toBeNull();
    await expect(service.exportRun({ runId: 'nope', format: 'png' })).rejects.toThrow(/no longer available/);
    host.saves.push(join(tmp.dir, 'h.png'));
    await expect(service.exportRun({ runId: 'run-x', format: 'png', view: { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 5 } })).rejects.toThrow(
      /head 5 does not exist/,
    );
  });

  it('draws in a worker: the main thread keeps answering while a 4× PNG is made', async () => {
    const path = chooseSave('busy@4.png');
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    try {
      await service.exportRun({ runId: 'run-x', format: 'png', scale: 4 });
    } finally {
      clearInterval(timer);
    }
    expect(readPng(readFileSync(path)).width).toBe(DEFAULT_EXPORT_WIDTH * 4);
    // rendering in-process blocks for ~0.5–3 s; in the worker the event loop never stalls long
    expect(worst).toBeLessThan(250);
  });

  it('an export named by an exportId reports its progress (stage "exporting", up to 1)', async () => {
    progress.length = 0;
    const path = chooseSave('tracked.png');
    await service.exportRun({ runId: 'run-x', format: 'png', scale: 1, exportId: 'export-1' });
    expect(readPng(readFileSync(path)).width).toBe(DEFAULT_EXPORT_WIDTH);
    const mine = progress.filter((e) => e.runId === 'export-1');
    expect(mine.every((e) => e.stage === 'exporting')).toBe(true);
    expect(mine.map((e) => e.fraction)).toEqual([...mine.map((e) => e.fraction)].sort((a, b) => a - b));
    expect(mine.at(-1)!.fraction).toBe(1);
    expect(mine.length).toBeGreaterThanOrEqual(4);
  });

  it('cancelJob({ runId: exportId }) stops the export: it rejects as cancelled and writes no file; the next export works', async () => {
    const path = chooseSave('cancelled@4.png');
    const pending = service.exportRun({ runId: 'run-x', format: 'png', scale: 4, exportId: 'export-2' });
    // cancel once the worker has started drawing
    await vi.waitFor(() => expect(progress.some((e) => e.runId === 'export-2' && e.fraction > 0)).toBe(true), { timeout: 30_000, interval: 5 });
    await service.cancelJob({ runId: 'export-2' });
    await expect(pending).rejects.toThrow(/cancelled/);
    expect(existsSync(path)).toBe(false);
    const after = chooseSave('after-cancel.svg');
    await service.exportRun({ runId: 'run-x', format: 'svg' });
    expect(readFileSync(after, 'utf8')).toMatch(/^<svg/);
  });

  it('overwrites a path already chosen once without asking again', async () => {
    const path = chooseSave('again.svg');
    await service.exportRun({ runId: 'run-x', format: 'svg' });
    await service.exportRun({ runId: 'run-x', format: 'svg', path });
    expect(host.saves).toHaveLength(0);
  });
});

describe('exporting a run that kept only the pooled overview (the app at T = 2048)', () => {
  const T = 2048;
  beforeAll(async () => {
    // what the app asks the engine for at this length (src-renderer/src/logic/jobspec.ts)
    const asked = appOutputsFor(T, T);
    await service.runJob({ runId: 'run-long', job: { embeddings: { inline: { vectors: vectors(T, 8, 3) } }, mask: [{ id: 'causal' }], ...asked } });
  }, 120_000);

  it('the run kept no weights, only the overview', () => {
    const run = service.storedRun('run-long')!;
    expect(run.result.weights).toBeUndefined();
    expect(run.result.overview).toBeDefined();
  });

  it('PNG and SVG draw the pooled map (before: "the run did not keep its weights")', async () => {
    const png = chooseSave('long.png');
    const t0 = performance.now();
    expect(await service.exportRun({ runId: 'run-long', format: 'png', scale: 2, caption: 'dot · causal' })).toBe(png);
    const ms = performance.now() - t0;
    expect(readPng(readFileSync(png)).width).toBe(DEFAULT_EXPORT_WIDTH * 2);
    const svgPath = chooseSave('long.svg');
    await service.exportRun({ runId: 'run-long', format: 'svg', caption: 'dot · causal' });
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('0–');
    expect(svg).toMatch(/mean of \d+×\d+ blocks/);
    console.log(
      `[export T=${T}, service] png 2×: ${(ms / 1000).toFixed(1)} s, ${(statSync(png).size / 1024).toFixed(0)} KiB; svg ${(statSync(svgPath).size / 1024).toFixed(0)} KiB`,
    );
  }, 120_000);

  it('the zoomed region at full resolution: the tile fetchTile computes, its tokens on the axes, where it lies in the title', async () => {
    const region = { rows: [1000, 1064] as [number, number], cols: [900, 1000] as [number, number] };
    const svgPath = chooseSave('region.svg');
    await service.exportRun({ runId: 'run-long', format: 'svg', picture: { kind: 'region', ...region } });
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg).toContain('queries 1000–1063 × keys 900–999');
    // one token a cell, named by its index (not the overview's 4-token blocks)
    expect(svg).toContain('>1000</text>');
    expect(svg).toContain('>900</text>');
    expect(svg).not.toMatch(/mean of \d+×\d+ blocks/);
    // the colour bar tops at the tile's largest weight, as the engine computes the tile
    const tile = await service.fetchTile({ runId: 'run-long', head: 0, ...region });
    let max = 0;
    for (let k = 0; k < tile.weights.length; k++) max = Math.max(max, tile.weights[k]);
    const ticks = [...svg.matchAll(/>([\d.e−-]+)<\/text>/g)].map((m) => Number(m[1].replace('−', '-'))).filter((v) => v > 0 && v < 1);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(max * 1.0001);
    const pngPath = chooseSave('region.png');
    await service.exportRun({ runId: 'run-long', format: 'png', scale: 1, picture: { kind: 'region', ...region } });
    expect(readPng(readFileSync(pngPath)).width).toBe(DEFAULT_EXPORT_WIDTH);
  }, 60_000);

  it('CSV and NPY write the pooled overview', async () => {
    const csvPath = chooseSave('long.csv');
    await service.exportRun({ runId: 'run-long', format: 'csv' });
    const lines = readFileSync(csvPath, 'utf8').trimEnd().split('\r\n');
    expect(lines[1].split(',')[0]).toBe('0–3');
    const npyPath = chooseSave('long.npy');
    await service.exportRun({ runId: 'run-long', format: 'npy' });
    const npy = readFileSync(npyPath);
    expect(npy.toString('latin1', 10, 10 + npy.readUInt16LE(8))).toMatch(/'shape': \(1, 512, 512\)/);
  }, 60_000);
});
