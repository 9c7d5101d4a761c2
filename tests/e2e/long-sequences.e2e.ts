/**
 * Long sequences through the app's own door: a run that keeps only an overview, then a
 * zoomed tile fetched with window.qklab.fetchTile (page-api.js → the request table → the
 * real LabService and CpuPool), and the status bar naming the backend that ran and its
 * compute time. Then the app itself on a 2,048-token file: the pooled map's axes and hover
 * in token indices (read from the chart instance's option), a region dragged on the map
 * recomputed at full resolution, equal to the float64 reference, and the wheel zooming about
 * the cell under the pointer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { DEFAULT_EXPORT_WIDTH } from '../../src-main/service/export/heatmap-export';
import { readPng } from '../service/png';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { referenceAttention } from '../../src-shared/reference';
import { resolveJob } from '../../src-shared/job/resolve';
import { parseJobSpec } from '../../src-shared/job/spec';
import { vectors } from '../service/helpers';
import { closeBrowser, startHarness, type Harness } from './harness';
import { chartState } from './probes';

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qklab-e2e-long-'));
  h = await startHarness({ workers: 1 });
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

describe('long sequences from the page', () => {
  it('the page is cross-origin isolated, as the app is (COOP/COEP)', async () => {
    expect(await h.page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it('fetches a full-resolution tile of a run that kept only its overview', async () => {
    const reply = await h.page.evaluate(async () => {
      const api = (window as unknown as { qklab: import('../../src-shared/api/lab-api').LabApi }).qklab;
      const T = 2048;
      const d = 8;
      // deterministic vectors, so the page needs no data file
      const vectors = Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(i * 0.37 + j * 1.3) * 2));
      const run = await api.runJob({
        runId: 'long-run',
        job: { embeddings: { inline: { vectors } }, mask: [{ id: 'causal' }], outputs: ['entropy', 'overview'], overview: { rows: 256, cols: 256 } },
      });
      const tile = await api.fetchTile({ runId: 'long-run', head: 0, rows: [1500, 1756], cols: [1400, 1912] });
      let rowSum = 0;
      // row 1500 sees keys 0…1500: its weights in [1400, 1501) are part of a distribution
      for (let j = 0; j <= 100; j++) rowSum += tile.weights[j];
      return {
        hasWeights: run.result.weights !== undefined,
        overview: run.result.overview ? [run.result.overview.rows, run.result.overview.cols] : null,
        shape: [tile.rows, tile.cols],
        length: tile.weights.length,
        isFloat32: tile.weights instanceof Float32Array,
        blocked: tile.scores[101],
        blockedWeight: tile.weights[101],
        rowSum,
        backend: tile.backend,
      };
    });
    expect(reply.hasWeights).toBe(false);
    expect(reply.overview).toEqual([256, 256]);
    expect(reply.shape).toEqual([
      [1500, 1756],
      [1400, 1912],
    ]);
    expect(reply.length).toBe(256 * 512);
    expect(reply.isFloat32).toBe(true);
    expect(reply.blocked).toBe(-Infinity);
    expect(reply.blockedWeight).toBe(0);
    expect(reply.rowSum).toBeGreaterThan(0);
    expect(reply.rowSum).toBeLessThanOrEqual(1 + 1e-5);
    expect(reply.backend).toMatch(/^native CPU \(/);
    // the run itself never held a T×T matrix: only the tile was computed at full resolution
    const stored = h.service.storedRun('long-run')!;
    expect(stored.result.weights).toBeUndefined();
  });

  it('a 16,384-token run from the page: its overview, a zoomed tile equal to the float64 reference, and PNG and SVG exports of the pooled map', async () => {
    const T = 16_384;
    const d = 8;
    const rows: [number, number] = [8000, 8256];
    const cols: [number, number] = [7800, 8312];
    const png = join(dir, 'long-16384.png');
    const svg = join(dir, 'long-16384.svg');
    h.host.saves.push(png, svg);
    const reply = await h.page.evaluate(
      async ({ T, d, rows, cols }) => {
        const api = (window as unknown as { qklab: import('../../src-shared/api/lab-api').LabApi }).qklab;
        const vectors = Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(i * 0.37 + j * 1.3) * 2));
        const run = await api.runJob({ runId: 'huge-run', job: { embeddings: { inline: { vectors } }, mask: [{ id: 'causal' }], outputs: ['entropy', 'overview'] } });
        const tile = await api.fetchTile({ runId: 'huge-run', head: 0, rows, cols });
        const pngPath = await api.exportRun({ runId: 'huge-run', format: 'png', scale: 1 });
        const svgPath = await api.exportRun({ runId: 'huge-run', format: 'svg' });
        return {
          hasWeights: run.result.weights !== undefined,
          Tq: run.result.Tq,
          weights: Array.from(tile.weights),
          scores: Array.from(tile.scores, (s) => (s === -Infinity ? null : s)),
          pngPath,
          svgPath,
        };
      },
      { T, d, rows, cols },
    );
    expect([reply.hasWeights, reply.Tq]).toEqual([false, T]);
    // the same vectors, and the reference of the tile's query rows over every key (all of 16,384² would be 4 GiB)
    const vectors = Array.from({ length: T }, (_, i) => Array.from({ length: d }, (_, j) => Math.sin(i * 0.37 + j * 1.3) * 2));
    const whole = resolveJob(parseJobSpec({ embeddings: { inline: { vectors } }, mask: [{ id: 'causal' }], outputs: ['scores', 'weights'] }));
    const n = rows[1] - rows[0];
    const ref = referenceAttention({
      ...whole,
      q: { rows: n, cols: whole.q.cols, data: whole.q.data.slice(rows[0] * d, rows[1] * d) },
      masks: whole.masks.map((m) => (m.id === 'causal' ? { ...m, offset: m.offset + rows[0] } : m)),
      tokens: { queries: null, keys: whole.tokens.keys },
    });
    const m = cols[1] - cols[0];
    let worst = 0;
    let masked = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const at = i * T + cols[0] + j;
        if (ref.scores[at] === -Infinity) {
          expect(reply.scores[i * m + j]).toBeNull();
          masked++;
        } else worst = Math.max(worst, Math.abs(reply.weights[i * m + j] - ref.weights[at]));
      }
    }
    expect(masked).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-6);
    expect([reply.pngPath, reply.svgPath]).toEqual([png, svg]);
    expect(readPng(readFileSync(png)).width).toBe(DEFAULT_EXPORT_WIDTH);
    const text = readFileSync(svg, 'utf8');
    // token-range axes into the last thousand tokens (not block indices), the pooled map as one embedded image
    expect(text).toMatch(/>1[56]\d{3}–1[56]\d{3}<\/text>/);
    expect(text).toMatch(/mean of \d+×\d+ blocks/);
    expect(text.match(/<image /g)).toHaveLength(1);
  }, 420_000);

  it('refuses a tile larger than 512 × 512 before the service sees it', async () => {
    const message = await h.page.evaluate(async () => {
      const api = (window as unknown as { qklab: import('../../src-shared/api/lab-api').LabApi }).qklab;
      try {
        await api.fetchTile({ runId: 'long-run', head: 0, rows: [0, 1024], cols: [0, 10] });
        return 'accepted';
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(message).toMatch(/fetchTile: rows: expected at most 512 rows/);
  });

  it('the status bar shows which backend ran the shown result and its compute time', async () => {
    // the app's own first run (the built-in sample) has finished when the heatmap has a run id
    await h.page.locator('[data-testid="heatmap-panel"]:not([data-run-id=""])').waitFor({ timeout: 60_000 });
    const badge = h.page.getByTestId('run-backend');
    await badge.waitFor();
    // the harness's pool is the app's kind: native onnxruntime, installed as the app's optional dependency
    expect(await badge.getAttribute('data-backend')).toBe('native');
    expect(await badge.textContent()).toMatch(/^\s*native \d+ ms\s*$/);
    expect(await badge.getAttribute('title')).toMatch(/^native CPU \(1 worker × \d threads?\)\nload \d+ ms · compute \d+ ms · total \d+ ms · \d+ tiles?$/);
    expect(await h.page.getByTestId('run-status').textContent()).toMatch(/native CPU \(1 worker/);
  });
});

// ── the app on a 2,048-token file ───────────────────────────────────────────────────

const LONG_T = 2048;
const LONG_TOKENS = Array.from({ length: LONG_T }, (_, i) => `t${i}`);
const LONG_VECTORS = vectors(LONG_T, 16, 5);

/** "a–z" of a label, as numbers (a single token's label names the token) */
const bounds = (label: string): [number, number] => {
  const m = /^(\d+)–(\d+)$/.exec(label);
  if (m) return [Number(m[1]), Number(m[2])];
  const i = LONG_TOKENS.indexOf(label);
  return [i, i];
};

/** Wait until the heatmap shows a finished run other than `previous`; its id. */
async function shownAfter(page: Page, previous: string, timeout = 120_000): Promise<string> {
  const panel = page.locator(`[data-testid="heatmap-panel"]:not([data-run-id=""]):not([data-run-id="${previous}"])`);
  await panel.waitFor({ timeout });
  await page.locator('[data-testid="run-status"]:not([data-status="running"])').waitFor({ timeout });
  return (await panel.getAttribute('data-run-id')) ?? '';
}

/** What the heatmap's tooltip says with the pointer over drawn cell (column j, row i): the page's own tooltip, after a real mouse move. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an ECharts option read back from the page
async function hoverText(page: Page, option: Record<string, any>, j: number, i: number): Promise<string> {
  const at = await cellPoint(page, option, j, i);
  await page.mouse.move(at.x, at.y);
  const tip = page.getByTestId('heatmap-tip');
  await tip.waitFor({ state: 'visible' });
  return (await tip.textContent()) ?? '';
}

/** The page position of the centre of drawn cell (column j, row i), from the option's grid box. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an ECharts option read back from the page
async function cellPoint(page: Page, option: Record<string, any>, j: number, i: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('heatmap').boundingBox())!;
  const grid = option.grid[0];
  const cols = option.xAxis[0].data.length;
  const rows = option.yAxis[0].data.length;
  return { x: box.x + grid.left + ((j + 0.5) * grid.width) / cols, y: box.y + grid.top + ((i + 0.5) * grid.height) / rows };
}

describe('the app on a 2,048-token run', () => {
  let runId = '';

  it('opens the file and shows the pooled overview with token-index axes and hover (not pooled-cell indices)', async () => {
    const { page, host, service } = h;
    // room for the map: cells of a pixel or more, so a dragged rectangle lands on the cells meant
    await page.setViewportSize({ width: 1600, height: 1500 });
    const file = join(dir, 'long.json');
    writeFileSync(file, JSON.stringify({ tokens: LONG_TOKENS, vectors: LONG_VECTORS }));
    const before = (await page.getByTestId('heatmap-panel').getAttribute('data-run-id')) ?? '';
    host.opens.embeddings.push(file);
    await page.getByTestId('open-embeddings').click();
    runId = await shownAfter(page, before);
    const run = service.storedRun(runId)!;
    expect([run.result.Tq, run.result.weights, run.result.overview?.rows]).toEqual([LONG_T, undefined, 512]);

    const option = (await chartState(page, 'heatmap'))!.option!;
    const rows: string[] = option.yAxis[0].data;
    const cols: string[] = option.xAxis[0].data;
    // every label is a block of whole overview blocks (4 tokens), from token 0 to token 2047
    const step = bounds(rows[0])[1] + 1;
    expect(step % 4).toBe(0);
    expect(step).toBeGreaterThanOrEqual(8);
    rows.forEach((l, i) => expect(bounds(l)).toEqual([i * step, Math.min(LONG_T, (i + 1) * step) - 1]));
    expect(bounds(rows.at(-1)!)[1]).toBe(LONG_T - 1);
    expect(bounds(cols.at(-1)!)[1]).toBe(LONG_T - 1);
    expect(option.yAxis[0].name).toBe('queries (index ranges)');

    // drawn as one image, no cell items (65,536 of them cost ~0.3 s a run): the pointer over
    // drawn cell (column 3, row 1) still names its token ranges
    expect(option.series[0].data).toEqual([]);
    const cstep = bounds(cols[0])[1] + 1;
    expect(await hoverText(page, option, 3, 1)).toMatch(
      new RegExp(`^mean of the ${step} × ${cstep} block \\[${step}–${2 * step - 1}\\] × \\[${3 * cstep}–${4 * cstep - 1}\\]: weight `),
    );
    await h.screenshot('long-2048-overview', { docs: true });
  });

  it('a click pins the row block under the pointer; it does not zoom', async () => {
    const { page } = h;
    const option = (await chartState(page, 'heatmap'))!.option!;
    const at = await cellPoint(page, option, 5, 10);
    await page.mouse.click(at.x, at.y);
    await expect.poll(async () => ((await chartState(page, 'heatmap'))!.option!.graphic[0].elements ?? []).some((g: { id?: string }) => g.id === 'pinned-row')).toBe(true);
    expect(await page.getByTestId('zoom-bar').getAttribute('data-depth')).toBe('0');
  });

  it('dragging a region zooms into it: fetchTile at full resolution, the float64 reference’s weights; 0 resets', async () => {
    const { page, service } = h;
    const overview = (await chartState(page, 'heatmap'))!.option!;
    const rstep = bounds(overview.yAxis[0].data[0])[1] + 1;
    const cstep = bounds(overview.xAxis[0].data[0])[1] + 1;
    // drawn cells rows 40…45 × columns 60…65: 6 cells a side, a few dozen tokens
    const from = await cellPoint(page, overview, 60, 40);
    const to = await cellPoint(page, overview, 65, 45);
    const calls = h.calls.length;
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 8 });
    await page.mouse.up();
    await page.locator('[data-testid="zoom-bar"][data-depth="1"]').waitFor({ timeout: 60_000 });
    expect(h.calls.slice(calls)).toContain('fetchTile');

    const option = (await chartState(page, 'heatmap'))!.option!;
    const rowLabels: string[] = option.yAxis[0].data;
    const colLabels: string[] = option.xAxis[0].data;
    // one drawn row per query token, one column per key (the tile is not pooled), on the run's axes
    const rows: [number, number] = [LONG_TOKENS.indexOf(rowLabels[0]), LONG_TOKENS.indexOf(rowLabels.at(-1)!) + 1];
    const cols: [number, number] = [LONG_TOKENS.indexOf(colLabels[0]), LONG_TOKENS.indexOf(colLabels.at(-1)!) + 1];
    expect(rowLabels).toEqual(LONG_TOKENS.slice(rows[0], rows[1]));
    expect(colLabels).toEqual(LONG_TOKENS.slice(cols[0], cols[1]));
    // the region is the dragged cells' tokens (to within a cell at each edge)
    for (const [got, want] of [
      [rows[0], 40 * rstep],
      [rows[1], 46 * rstep],
      [cols[0], 60 * cstep],
      [cols[1], 66 * cstep],
    ])
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(rstep, cstep));
    expect(option.yAxis[0].name).toBe('query');
    expect(await page.getByTestId('zoom-crumbs').textContent()).toContain(`queries ${rows[0]}–${rows[1] - 1} × keys ${cols[0]}–${cols[1] - 1}`);

    // the float64 reference of the whole run, those cells (the run's own JobSpec, its file's vectors inline)
    const spec = service.storedRun(runId)!.spec;
    const ref = referenceAttention(
      resolveJob(parseJobSpec({ ...spec, embeddings: { inline: { tokens: LONG_TOKENS, vectors: LONG_VECTORS } }, outputs: ['scores', 'weights'], overview: undefined })),
    );
    const n = cols[1] - cols[0];
    const seen = new Set<number>();
    let worst = 0;
    for (const d of option.series[0].data as (number[] | { value: number[] })[]) {
      const [j, i, v] = Array.isArray(d) ? d : d.value;
      const at = (rows[0] + i) * LONG_T + cols[0] + j;
      worst = Math.max(worst, Math.abs(v - ref.weights[at]));
      seen.add(i * n + j);
    }
    for (const d of (option.series[1]?.data ?? []) as number[][]) {
      expect(ref.scores[(rows[0] + d[1]) * LONG_T + cols[0] + d[0]]).toBe(-Infinity);
      seen.add(d[1] * n + d[0]);
    }
    expect(seen.size).toBe((rows[1] - rows[0]) * n);
    expect(worst).toBeLessThan(1e-5);
    // hover names the query token and its index
    expect(await hoverText(page, option, 0, 0)).toMatch(new RegExp(`^t${rows[0]} \\(${rows[0]}\\) → t${cols[0]} \\(${cols[0]}\\): weight `));
    await h.screenshot('long-2048-zoomed', { docs: true });

    // 0 resets to the pooled overview
    await page.keyboard.press('0');
    await page.locator('[data-testid="zoom-bar"][data-depth="0"]').waitFor();
    await expect.poll(async () => (await chartState(page, 'heatmap'))!.option!.yAxis[0].data[0]).toBe(overview.yAxis[0].data[0]);
  });

  it('the wheel over a cell zooms to a region around it (the page does not scroll); wheel down returns; the wheel off the grid does nothing', async () => {
    const { page } = h;
    const overview = (await chartState(page, 'heatmap'))!.option!;
    const j = 20;
    const i = 50;
    const cellRows = bounds(overview.yAxis[0].data[i]);
    const cellCols = bounds(overview.xAxis[0].data[j]);
    // whether the wheel reached the window with its default prevented (the chart took it)
    await page.evaluate(() => {
      const w = window as unknown as { wheelPrevented: boolean[] };
      w.wheelPrevented = [];
      window.addEventListener('wheel', (e) => w.wheelPrevented.push(e.defaultPrevented));
    });
    const prevented = () => page.evaluate(() => (window as unknown as { wheelPrevented: boolean[] }).wheelPrevented);

    // off the grid (over the query axis' labels): the page's, not a zoom
    const chartBox = (await page.getByTestId('heatmap').boundingBox())!;
    await page.mouse.move(chartBox.x + overview.grid[0].left / 2, chartBox.y + overview.grid[0].top + 40);
    await page.mouse.wheel(0, -100);
    await page.waitForTimeout(400);
    expect(await page.getByTestId('zoom-bar').getAttribute('data-depth')).toBe('0');
    expect(await prevented()).toEqual([false]);

    const at = await cellPoint(page, overview, j, i);
    await page.mouse.move(at.x, at.y);
    await page.mouse.wheel(0, -100);
    await page.locator('[data-testid="zoom-bar"][data-depth="1"]').waitFor({ timeout: 60_000 });
    expect((await prevented())[1]).toBe(true);
    // the tile's option (a 512 × 512 tile is drawn pooled to the cell budget: its labels are token ranges)
    await expect.poll(async () => (await chartState(page, 'heatmap'))!.option!.yAxis[0].data[0], { timeout: 30_000 }).not.toBe(overview.yAxis[0].data[0]);
    const option = (await chartState(page, 'heatmap'))!.option!;
    const rowLabels: string[] = option.yAxis[0].data;
    const colLabels: string[] = option.xAxis[0].data;
    const rows = [bounds(rowLabels[0])[0], bounds(rowLabels.at(-1)!)[1] + 1];
    const cols = [bounds(colLabels[0])[0], bounds(colLabels.at(-1)!)[1] + 1];
    // half the 2,048 run each side is 1,024: a tile's 512, about the cell under the pointer
    expect([rows[1] - rows[0], cols[1] - cols[0]]).toEqual([512, 512]);
    expect(rows[0]).toBeLessThanOrEqual(cellRows[0]);
    expect(rows[1]).toBeGreaterThan(cellRows[1]);
    expect(cols[0]).toBeLessThanOrEqual(cellCols[0]);
    expect(cols[1]).toBeGreaterThan(cellCols[1]);
    expect(Math.abs((rows[0] + rows[1]) / 2 - (cellRows[0] + cellRows[1] + 1) / 2)).toBeLessThanOrEqual(1);
    expect(await page.evaluate(() => window.scrollY)).toBe(0);

    // a later gesture, down: back to the pooled overview
    await page.waitForTimeout(400);
    await page.mouse.wheel(0, 100);
    await page.locator('[data-testid="zoom-bar"][data-depth="0"]').waitFor();
    await expect.poll(async () => (await chartState(page, 'heatmap'))!.option!.yAxis[0].data[0]).toBe(overview.yAxis[0].data[0]);
  });

  it('exports the 2,048 run from the Export dialog as PNG and SVG: the pooled map (before: "the run did not keep its weights")', async () => {
    const { page, host } = h;
    const png = join(dir, 'long-2048.png');
    host.saves.push(png);
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-dialog').waitFor();
    await h.screenshot('export-dialog', { docs: true });
    await page.getByTestId('export-dialog-scale').selectOption('1');
    await page.getByTestId('export-go').click();
    await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 120_000 }).toContain(`Exported ${png}`);
    const image = readPng(readFileSync(png));
    expect(image.width).toBe(DEFAULT_EXPORT_WIDTH);

    const svg = join(dir, 'long-2048.svg');
    host.saves.push(svg);
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-format-svg').check();
    await page.getByTestId('export-go').click();
    await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 120_000 }).toContain(`Exported ${svg}`);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/>0–\d+<\/text>/);
    expect(text).toMatch(/mean of \d+×\d+ blocks/);
    // the caption names the data file
    expect(text).toContain('long.json');
  }, 300_000);

  it('the per-row maximum scale divides each row by its largest weight: the colour bar spans 0…1 and says so', async () => {
    const { page } = h;
    await page.getByTestId('view-scale').selectOption('rowmax');
    await expect.poll(async () => (await chartState(page, 'heatmap'))!.option!.visualMap[0].max).toBe(1);
    const option = (await chartState(page, 'heatmap'))!.option!;
    const heading = option.graphic[0].elements.find((g: { id?: string }) => g.id === 'colour-bar-heading');
    expect(heading.style.text).toContain('weight ÷ row maximum');
    await h.screenshot('long-2048-per-row-maximum', { docs: true });
    await page.getByTestId('view-scale').selectOption('linear');
  });
});
