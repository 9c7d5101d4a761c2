/**
 * The lab end to end: the built renderer in Chromium, the real LabService and WasmPool
 * behind it, real files on disk, dialogs answered by the test. Each test is one thing a
 * user does, checked both on screen and in what the service computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { WasmPool } from '../../src-main/engine/pool';
import { defaultExportHeight, DEFAULT_EXPORT_WIDTH } from '../../src-main/service/export/heatmap-export';
import { readPng } from '../service/png';
import { vectors } from '../service/helpers';
import { closeBrowser, startHarness, type Harness } from './harness';

const TOKENS = ['a', 'small', 'dog', 'chased', 'a', 'red', 'ball', 'across', 'the', 'wet', 'green', 'lawn'];

let pool: WasmPool;
let h: Harness;
let dir: string;
let words: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qklab-e2e-data-'));
  words = join(dir, 'words.json');
  writeFileSync(words, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 11) }));
  pool = new WasmPool({ workers: 2 });
  h = await startHarness({ pool });
  await runFinished(h.page, '');
});
afterAll(async () => {
  await h?.close();
  await pool?.close();
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

/** The run id the heatmap shows. */
async function shownRun(page: Page): Promise<string> {
  return (await page.getByTestId('heatmap-panel').getAttribute('data-run-id')) ?? '';
}

/** Wait until the heatmap shows a finished run other than `previous`; returns its id. */
async function runFinished(page: Page, previous: string): Promise<string> {
  await page.waitForFunction(
    (prev) => {
      const id = document.querySelector('[data-testid="heatmap-panel"]')?.getAttribute('data-run-id') ?? '';
      const status = document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status');
      return id !== '' && id !== prev && status !== 'running';
    },
    previous,
    { timeout: 60_000 },
  );
  return shownRun(page);
}

async function meanEntropy(page: Page): Promise<string> {
  return (await page.getByTestId('mean-entropy-0').textContent())?.trim() ?? '';
}

describe('QK Lab in Chromium with the real engine', () => {
  it('loads an embedding file chosen in the Open dialog and runs on it', async () => {
    const { page, host, service } = h;
    const before = await shownRun(page);
    host.opens.embeddings.push(words);
    await page.getByRole('toolbar').getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
    await expect.poll(() => page.getByTestId('token-list').textContent()).toContain('lawn');
    const runId = await runFinished(page, before);
    const run = service.storedRun(runId)!;
    expect(run.spec.embeddings).toEqual({ path: words });
    expect([run.result.Tq, run.result.Tk]).toEqual([12, 12]);
    expect(run.tokens.keys).toEqual(TOKENS);
    expect(h.host.dialogs.at(-1)).toEqual({ kind: 'open-embeddings', answer: words });
    await h.screenshot('lab-file-loaded');
  });

  it('switching the score function and adding a causal mask changes the heatmap and the entropy', async () => {
    const { page, service } = h;
    const heatmap = page.getByTestId('heatmap-panel');
    const shot0 = await heatmap.screenshot();
    const entropy0 = await meanEntropy(page);
    let runId = await shownRun(page);

    await page.getByTestId('score-function').selectOption('rbf');
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.spec.metric?.id).toBe('rbf');
    await expect.poll(() => meanEntropy(page)).not.toBe(entropy0);
    const entropy1 = await meanEntropy(page);
    await page.waitForTimeout(300);
    const shot1 = await heatmap.screenshot();
    expect(Buffer.compare(shot0, shot1)).not.toBe(0);

    await page.getByLabel('New mask type').selectOption('causal');
    await page.getByTestId('add-mask').click();
    runId = await runFinished(page, runId);
    const run = service.storedRun(runId)!;
    expect(run.spec.mask).toEqual([{ id: 'causal' }]);
    // what the engine computed for the UI really is causal: nothing above the diagonal
    const { Tq, Tk, weights: w } = run.result;
    for (let i = 0; i < Tq; i++) for (let j = i + 1; j < Tk; j++) expect(w![i * Tk + j]).toBe(0);
    await expect.poll(() => meanEntropy(page)).not.toBe(entropy1);
    await page.waitForTimeout(300);
    expect(Buffer.compare(shot1, await heatmap.screenshot())).not.toBe(0);
    await h.screenshot('lab-rbf-causal');
  });

  it('exports a PNG of the asked size to the path chosen in the Save dialog', async () => {
    const { page, host } = h;
    const target = join(dir, 'heatmap.png');
    host.saves.push(target);
    await page.getByLabel('Export scale').selectOption('4');
    await page.getByTestId('export-png').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain(`Exported ${target}`);
    const png = readPng(readFileSync(target));
    expect(png.width).toBe(DEFAULT_EXPORT_WIDTH * 4);
    expect(png.height).toBe(defaultExportHeight(12, 12) * 4);
    expect(host.dialogs.at(-1)).toMatchObject({ kind: 'save-png', answer: target });
  });

  it('saves the session and reopens it with the same configuration', async () => {
    const { page, host, service } = h;
    const target = join(dir, 'mine.qklab');
    host.saves.push(target);
    await page.getByTestId('save-session').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Saved ${target}`);
    const saved = JSON.parse(readFileSync(target, 'utf8'));
    expect(saved.job).toMatchObject({ embeddings: { path: words }, metric: { id: 'rbf' }, mask: [{ id: 'causal' }] });
    expect(saved.files).toEqual([{ path: words, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

    // change things, then reopen
    let runId = await shownRun(page);
    await page.getByTestId('score-function').selectOption('cosine');
    runId = await runFinished(page, runId);
    host.opens.session.push(target);
    await page.getByTestId('open-session').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Opened ${target}`);
    await expect.poll(() => page.getByTestId('score-function').inputValue()).toBe('rbf');
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.spec).toMatchObject({ embeddings: { path: words }, metric: { id: 'rbf' }, mask: [{ id: 'causal' }] });
    await page.waitForTimeout(500);
    await h.screenshot('lab-session-reopened');
  });

  it('a bad file shows its error where it was opened and keeps the data that was there', async () => {
    const { page, host } = h;
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"tokens": ["x", "y"], "vectors": [[1, 2], [3, "oops"]]}');
    host.opens.embeddings.push(broken);
    await page.getByRole('toolbar').getByTestId('open-embeddings').click();
    const error = page.getByTestId('file-error-embeddings');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('broken.json');
    expect(text).toMatch(/line|column|byte|expected/i);
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
    expect(await page.getByRole('alert').filter({ hasText: 'broken.json' }).count()).toBeGreaterThan(0);
    await h.screenshot('lab-bad-file');
  });

  it('a dropped file opens (its path was granted by pathForFile); an undropped path is refused', async () => {
    const { page, service } = h;
    const other = join(dir, 'dropped.json');
    writeFileSync(other, JSON.stringify({ tokens: ['p', 'q', 'r'], vectors: vectors(3, 16, 5) }));
    await expect(service.openEmbeddings({ path: other })).rejects.toThrow(/will not read/);
    await h.setDropPath('dropped.json', other);
    const runId = await shownRun(page);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['{}'], 'dropped.json', { type: 'application/json' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('dropped.json');
    const next = await runFinished(page, runId);
    expect(h.service.storedRun(next)!.result.Tq).toBe(3);
    expect(h.calls).toContain('grantDroppedPath');
  });

  it('the native menu’s commands reach the app (Toggle Dark/Light)', async () => {
    const { page } = h;
    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await h.menu({ type: 'toggle-theme' });
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).not.toBe(before);
    await h.menu({ type: 'metrics-reference' });
    await page.getByTestId('metrics-reference').waitFor();
    await h.screenshot('lab-menu-metrics-reference');
  });

  it('no request ever left the app’s own origin', () => {
    const foreign = h.requests.filter((url) => !url.startsWith(h.origin + '/') && !/^(data|blob):/.test(url));
    expect(foreign).toEqual([]);
  });
});

describe('recovery after a crash', () => {
  it('a killed session comes back on the next start', async () => {
    const userDataDir = mkdtempSync(join(tmpdir(), 'qklab-e2e-crash-'));
    try {
      const first = await startHarness({ pool, userDataDir });
      await runFinished(first.page, '');
      first.host.opens.embeddings.push(words);
      await first.page.getByRole('toolbar').getByTestId('open-embeddings').click();
      await expect.poll(() => first.page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
      await first.page.getByTestId('score-function').selectOption('laplacian');
      // the renderer autosaves (debounced); wait until the autosave names the new configuration
      await expect
        .poll(() => {
          try {
            return JSON.parse(readFileSync(join(userDataDir, 'autosave.qklab'), 'utf8')).job.metric?.id;
          } catch {
            return null;
          }
        }, { timeout: 15_000 })
        .toBe('laplacian');
      await first.close({ crash: true });

      const second = await startHarness({ pool, userDataDir });
      try {
        await second.page.getByTestId('recovery-banner').waitFor();
        await second.screenshot('recovery-banner');
        await second.page.getByTestId('recover-session').click();
        await expect.poll(() => second.page.getByTestId('score-function').inputValue()).toBe('laplacian');
        await expect.poll(() => second.page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
      } finally {
        await second.close();
      }
    } finally {
      rmSync(userDataDir, { recursive: true, force: true });
    }
  });
});
