/**
 * The lab end to end: the built renderer in Chromium, the real LabService and CpuPool
 * behind it, real files on disk, dialogs answered by the test. Each test is one thing a
 * user does, checked both on screen and in what the service computed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CpuPool } from '../../src-main/engine/pool';
import { defaultExportHeight, DEFAULT_EXPORT_WIDTH } from '../../src-main/service/export/heatmap-export';
import { readPng } from '../service/png';
import { vectors } from '../service/helpers';
import { closeBrowser, startHarness, type Harness } from './harness';
import { chartState, duplicateTestIds, runFinished, shownRun } from './probes';
import { implicitMatrix } from '../../src-shared/reference/recurrence';

const TOKENS = ['a', 'small', 'dog', 'chased', 'a', 'red', 'ball', 'across', 'the', 'wet', 'green', 'lawn'];
/** the tokens as the axes name them: the second "a" is numbered (two positions, two names) */
const NAMED = TOKENS.map((t, i) => (t === 'a' && i > 0 ? 'a#2' : t));

let pool: CpuPool;
let h: Harness;
let dir: string;
let words: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qklab-e2e-data-'));
  words = join(dir, 'words.json');
  writeFileSync(words, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 11) }));
  pool = new CpuPool({ workers: 2 });
  h = await startHarness({ pool });
  await runFinished(h.page, '');
});
afterAll(async () => {
  await h?.close();
  await pool?.close();
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

async function meanEntropy(page: Page): Promise<string> {
  return (await page.getByTestId('mean-entropy-0').textContent())?.trim() ?? '';
}

/**
 * The entropy chart shows `runId` (the run the heatmap shows), at once: the bars it holds
 * AND the bars it draws are that run's per-row entropy of the focused head (head 0), not
 * an earlier run's.
 */
async function expectEntropyChartShows(page: Page, runId: string): Promise<void> {
  const run = h.service.storedRun(runId)!;
  const { Tq } = run.result;
  const want = Array.from(run.result.entropy.subarray(0, Tq));
  const chart = await chartState(page, 'entropy-chart');
  expect(chart, 'the entropy chart is on screen').not.toBeNull();
  const held = (chart!.option!.series as { data: (number | { value: number })[] }[])[0].data.map((d) => (typeof d === 'number' ? d : d.value));
  expect(held.map((x) => x.toFixed(5))).toEqual(want.map((x) => x.toFixed(5)));
  // drawn: within 2 % of the axis (a pixel or two), for every row
  const axisMax = Math.max(...want, ...Array.from(run.result.visible.subarray(0, Tq), (n) => (n > 1 ? Math.log(n) : 0)), 0.1);
  const drawn = chart!.drawn!;
  expect(drawn).toHaveLength(Tq);
  drawn.forEach((v, i) => expect(Math.abs((v ?? NaN) - want[i]), `row ${i}: drawn ${v}, the run has ${want[i]}`).toBeLessThan(0.02 * axisMax));
}

describe('QK Lab in Chromium with the real engine', () => {
  it('loads an embedding file chosen in the Open dialog and runs on it', async () => {
    const { page, host, service } = h;
    const before = await shownRun(page);
    host.opens.embeddings.push(words);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
    await expect.poll(() => page.getByTestId('token-list').textContent()).toContain('lawn');
    const runId = await runFinished(page, before);
    const run = service.storedRun(runId)!;
    expect(run.spec.embeddings).toEqual({ path: words });
    expect([run.result.Tq, run.result.Tk]).toEqual([12, 12]);
    expect(run.tokens.keys).toEqual(TOKENS);
    expect(h.host.dialogs.at(-1)).toEqual({ kind: 'open-embeddings', answer: words });
    await h.screenshot('lab-file-loaded', { docs: true });
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

  it('a change paints the map first: at that moment the entropy panel and the thumbnails still show the last run; then every panel shows the new one', async () => {
    const { page } = h;
    const before = await shownRun(page);
    // what the panels show at the moment the map's element takes the new run
    await page.evaluate(() => {
      const w = window as unknown as { __mapFirst?: Promise<Record<string, string>> };
      const focus = document.querySelector<HTMLElement>('[data-testid="heatmap-focus"]')!;
      const was = focus.dataset.runId;
      w.__mapFirst = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (!focus.dataset.runId || focus.dataset.runId === was) return;
          observer.disconnect();
          const id = (t: string) => document.querySelector<HTMLElement>(`[data-testid="${t}"]`)?.dataset.runId ?? '';
          resolve({ map: focus.dataset.runId, panel: id('heatmap-panel'), entropy: id('entropy-panel') });
        });
        observer.observe(focus, { attributes: true, attributeFilter: ['data-run-id'] });
      });
    });
    await page.getByTestId('score-function').selectOption('cosine');
    const runId = await runFinished(page, before);
    const atMap = await page.evaluate(() => (window as unknown as { __mapFirst: Promise<Record<string, string>> }).__mapFirst);
    expect(atMap).toEqual({ map: runId, panel: before, entropy: before });
    expect(await page.getByTestId('entropy-panel').getAttribute('data-run-id')).toBe(runId);
    expect(await page.getByTestId('heatmap-focus').getAttribute('data-run-id')).toBe(runId);
    await expectEntropyChartShows(page, runId);
    await page.getByTestId('score-function').selectOption('rbf');
    await runFinished(page, runId);
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
    // the entropy chart shows the reopened run as soon as the heatmap does (not the cosine run's bars)
    await expectEntropyChartShows(page, runId);
    // a session whose files are as saved says nothing more
    expect(await page.getByTestId('session-warnings').count()).toBe(0);
    await page.waitForTimeout(500);
    await h.screenshot('lab-session-reopened');
  });

  it('a bad file shows its error where it was opened and keeps the data that was there', async () => {
    const { page, host } = h;
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"tokens": ["x", "y"], "vectors": [[1, 2], [3, "oops"]]}');
    host.opens.embeddings.push(broken);
    await page.getByTestId('open-embeddings').click();
    const error = page.getByTestId('file-error-embeddings');
    await error.waitFor();
    const text = (await error.textContent()) ?? '';
    expect(text).toContain('broken.json');
    expect(text).toMatch(/line|column|byte|expected/i);
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
    expect(await page.getByRole('alert').filter({ hasText: 'broken.json' }).count()).toBeGreaterThan(0);
    // the charts still show the run the heatmap shows (the last good one)
    await expectEntropyChartShows(page, await shownRun(page));
    await h.screenshot('lab-bad-file');
  });

  it('a session whose file changed since it was saved opens with a warning that names the file', async () => {
    const { page, host } = h;
    const changing = join(dir, 'changing.json');
    writeFileSync(changing, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 11) }));
    host.opens.embeddings.push(changing);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('changing.json');
    const target = join(dir, 'changing.qklab');
    host.saves.push(target);
    await page.getByTestId('save-options').click();
    await page.getByTestId('save-session-as').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Saved ${target}`);
    expect(host.dialogs.at(-1)).toMatchObject({ kind: 'save-session', answer: target });

    // the data changes on disk (same tokens, other numbers): its sha256 no longer matches
    writeFileSync(changing, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 99) }));
    host.opens.session.push(target);
    await page.getByTestId('open-session').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Opened ${target}`);
    const warnings = page.getByTestId('session-warnings');
    await warnings.waitFor();
    expect(await warnings.getAttribute('role')).toBe('status');
    expect(await warnings.textContent()).toMatch(/changing\.json has changed since the session was saved/);
    expect(await page.getByRole('status').filter({ hasText: 'changing.json has changed' }).count()).toBe(1);
    await h.screenshot('lab-session-warning');
    await page.getByRole('button', { name: 'Dismiss session warnings' }).click();
    expect(await warnings.count()).toBe(0);
  });

  it('Save Session As can embed the embedding data: the session reopens after its file is deleted', async () => {
    const { page, host, service } = h;
    const doomed = join(dir, 'doomed.json');
    writeFileSync(doomed, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 11) }));
    let runId = await shownRun(page);
    host.opens.embeddings.push(doomed);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('doomed.json');
    runId = await runFinished(page, runId);
    const before = service.storedRun(runId)!;

    const target = join(dir, 'embedded.qklab');
    host.saves.push(target);
    await page.getByRole('button', { name: 'Save options' }).click();
    await page.getByLabel('Embed embedding data in the session file').check();
    await h.screenshot('lab-save-options');
    await page.getByTestId('save-session-as').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Saved ${target}`);
    expect(host.dialogs.at(-1)).toMatchObject({ kind: 'save-session', answer: target });
    const saved = JSON.parse(readFileSync(target, 'utf8'));
    expect(saved.job.embeddings).toEqual({ path: doomed });
    expect(Object.values(saved.embedded as Record<string, { tokens: string[]; vectors: number[][] }>).map((e) => [e.tokens, e.vectors.length])).toEqual([[TOKENS, 12]]);

    // the file is deleted, the window shows something else, then the session is reopened
    unlinkSync(doomed);
    expect(existsSync(doomed)).toBe(false);
    await page.getByLabel('Sample').selectOption('toy2d');
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.result.Tk).not.toBe(12);
    host.opens.session.push(target);
    await page.getByTestId('open-session').click();
    await expect.poll(() => page.getByTestId('session-message').textContent()).toContain(`Opened ${target}`);
    await expect.poll(() => page.getByTestId('session-warnings').textContent()).toContain('doomed.json was not found; using the copy embedded in the session');
    runId = await runFinished(page, runId);
    // the heatmap is back, computed from the embedded copy: the same numbers as before
    const after = service.storedRun(runId)!;
    expect(after.spec.embeddings).toEqual({ path: doomed });
    expect(after.tokens.keys).toEqual(TOKENS);
    expect(Array.from(after.result.weights!)).toEqual(Array.from(before.result.weights!));
    expect(await page.getByTestId('heatmap').isVisible()).toBe(true);
    await expect.poll(() => page.getByTestId('token-list').textContent()).toContain('lawn');
    await expectEntropyChartShows(page, runId);
    await page.waitForTimeout(300);
    await h.screenshot('lab-embedded-session');
  });

  it('two heads with a random projection: every head has its thumbnail, its bar and its mean', async () => {
    const { page, host, service } = h;
    let runId = await shownRun(page);
    host.opens.embeddings.push(words);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
    runId = await runFinished(page, runId);
    await page.getByTestId('score-function').selectOption('cosine');
    await runFinished(page, runId);
    await page.getByTestId('heads').fill('2');
    await page.getByTestId('projection').selectOption('random');
    await expect
      .poll(
        async () => {
          const id = await shownRun(page);
          const spec = service.storedRun(id)?.spec;
          return spec ? [spec.heads, spec.projection?.id] : null;
        },
        { timeout: 30_000 },
      )
      .toEqual([2, 'random']);
    runId = await shownRun(page);
    const run = service.storedRun(runId)!;
    expect(run.result.heads).toBe(2);

    // small multiples: one labelled thumbnail per head, the focused one pressed
    await page.getByTestId('small-multiples').waitFor();
    for (const hd of [0, 1]) {
      const thumb = page.getByTestId(`head-thumb-${hd}`);
      expect(await thumb.textContent()).toContain(`head ${hd}`);
      expect(await thumb.getAttribute('aria-pressed')).toBe(hd === 0 ? 'true' : 'false');
      expect(await thumb.getByRole('img').count()).toBe(1);
    }
    // the mean entropy of each head, in the table and in the head summary chart (every bar labelled)
    for (const hd of [0, 1]) expect(Number(await page.getByTestId(`mean-entropy-${hd}`).textContent())).toBeCloseTo(run.result.meanEntropy[hd], 2);
    const heads = await chartState(page, 'entropy-heads-chart');
    const xAxis = (heads!.option!.xAxis as { data: string[]; axisLabel: { interval: number } }[])[0];
    expect(xAxis.data).toEqual(['head 0', 'head 1']);
    expect(xAxis.axisLabel.interval).toBe(0);
    await expectEntropyChartShows(page, runId);
    expect(await duplicateTestIds(page)).toEqual([]);

    // focusing head 1 from its thumbnail moves the heatmap and the entropy to head 1
    await page.getByTestId('head-thumb-1').click();
    await expect.poll(() => page.getByTestId('view-head').inputValue()).toBe('1');
    expect(await page.getByTestId('head-thumb-1').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('head-thumb-0').click();
    await page.waitForTimeout(500);
    await h.screenshot('lab-two-heads', { docs: true });
  });

  it('the Recurrence section: retention replaces score function and normaliser; the map is A, signed, on a diverging scale; back to none', async () => {
    const { page, service } = h;
    let runId = await shownRun(page);
    await page.getByTestId('recurrence-id').selectOption('retention');
    runId = await runFinished(page, runId);
    const run = service.storedRun(runId)!;
    expect(run.spec.recurrence).toEqual({ id: 'retention', gamma: 0.96 });
    expect([run.spec.metric, run.spec.normalizer]).toEqual([undefined, undefined]);
    await expect.poll(() => page.getByTestId('metric-replaced').textContent()).toContain('replaced by the retention recurrence');
    expect(await page.getByTestId('score-function').isDisabled()).toBe(true);
    expect(await page.getByTestId('normaliser').isDisabled()).toBe(true);
    expect(await page.getByTestId('recurrence-formula').textContent()).toContain('γ_h^(i−j)');
    // what the page shows is the engine's A: the float64 reference's, zero above the diagonal
    const { A } = implicitMatrix(service.storedProblem(runId)!, 0);
    const { Tq, Tk, weights } = run.result;
    let worst = 0;
    for (let x = 0; x < Tq * Tk; x++) worst = Math.max(worst, Math.abs(weights![x] - A[x]));
    expect(worst).toBeLessThan(1e-5);
    expect(run.result.distribution).toBe(false);
    // signed: a diverging scale centred at 0, and the entropy panel says how it reads A
    await expect
      .poll(async () => {
        const vm = (await chartState(page, 'heatmap'))!.option!.visualMap[0] as { min: number; max: number };
        return vm.min === -vm.max && vm.max > 0;
      })
      .toBe(true);
    await expect.poll(() => page.getByTestId('scan-error').textContent()).toMatch(/scan vs A·V: max \|Δ\| = /);
    expect(await page.getByTestId('signed-weights').textContent()).toContain('entropy of |A| / Σ|A|');
    await page.waitForTimeout(300);
    await h.screenshot('lab-recurrence', { docs: true });

    await page.getByTestId('recurrence-id').selectOption('none');
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.spec.recurrence).toBeUndefined();
    expect(await page.getByTestId('score-function').isDisabled()).toBe(false);
    expect(await page.getByTestId('scan-error').count()).toBe(0);
  });

  it('Compare: pin A, change τ, and A, B, B − A and the divergence show the two runs', async () => {
    const { page, service } = h;
    let runId = await shownRun(page);
    const tau = page.getByLabel('score τ', { exact: true });
    await tau.fill('0.5');
    runId = await runFinished(page, runId);
    const a = service.storedRun(runId)!;
    await page.getByTestId('tab-compare').click();
    await page.getByTestId('pin-a').click();
    await page.getByTestId('compare-a').waitFor();
    await tau.fill('0.1');
    runId = await runFinished(page, runId);
    const b = service.storedRun(runId)!;
    expect([a.spec.metric, b.spec.metric]).toEqual([
      { id: 'cosine', tau: 0.5 },
      { id: 'cosine', tau: 0.1 },
    ]);
    expect(a.spec.heads).toBe(2);
    await expect.poll(() => page.getByTestId('compare-b-caption').textContent()).toContain('τ=0.1');
    expect(await page.getByTestId('compare-a-caption').textContent()).toContain('τ=0.5');
    await expect.poll(() => page.getByTestId('mean-js').textContent()).toMatch(/mean JS [0-9.e-]+ nats · head 0/);
    // the divergence chart holds one value per query row, and a sharper τ makes rows differ
    const js = await chartState(page, 'compare-js');
    const jsData = (js!.option!.series as { data: (number | { value: number })[] }[])[0].data.map((d) => (typeof d === 'number' ? d : d.value));
    expect(jsData).toHaveLength(12);
    expect(Math.max(...jsData)).toBeGreaterThan(0);
    for (const id of ['compare-a', 'compare-b', 'compare-diff']) expect((await chartState(page, id))!.option, id).not.toBeNull();
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.waitForTimeout(500);
    await h.screenshot('lab-compare', { docs: true });
    await page.getByTestId('tab-attention').click();
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

  it('every data-testid is unique: the toolbar’s Open embeddings… and each source row’s Open…', async () => {
    const { page } = h;
    expect(await duplicateTestIds(page)).toEqual([]);
    // the metrics reference the menu test opened: Esc closes it
    await page.keyboard.press('Escape');
    await page.getByTestId('metrics-reference').waitFor({ state: 'detached' });
    expect(await page.getByTestId('open-embeddings').count()).toBe(1);
    expect(await page.getByRole('toolbar', { name: 'QK Lab' }).getByTestId('open-embeddings').count()).toBe(1);
    await page.getByLabel('Separate Q / K / V').check();
    await page.getByTestId('open-file-keys').waitFor();
    for (const role of ['queries', 'keys', 'values']) expect(await page.getByTestId(`open-file-${role}`).count(), role).toBe(1);
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.getByLabel('One set (self-attention)').check();
    await page.getByTestId('open-file-embeddings').waitFor();
    expect(await duplicateTestIds(page)).toEqual([]);
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
      await first.page.getByTestId('open-embeddings').click();
      await expect.poll(() => first.page.getByTestId('source-name-embeddings').textContent()).toContain('words.json');
      await first.page.getByTestId('score-function').selectOption('laplacian');
      // the renderer autosaves (debounced); wait until the autosave names the new configuration
      await expect
        .poll(
          () => {
            try {
              return JSON.parse(readFileSync(join(userDataDir, 'autosave.qklab'), 'utf8')).job.metric?.id;
            } catch {
              return null;
            }
          },
          { timeout: 15_000 },
        )
        .toBe('laplacian');
      await first.close({ crash: true });

      const second = await startHarness({ pool, userDataDir });
      try {
        await second.page.getByTestId('recovery-banner').waitFor();
        await second.screenshot('recovery-banner');
        await second.page.getByTestId('recover-session').click();
        // the autosave lives in the app's data folder: the file it names is outside, read once the user confirms
        await second.page.getByTestId('outside-files').waitFor();
        expect(await second.page.getByTestId('outside-files').textContent()).toContain(words);
        await second.page.getByTestId('read-outside-files').click();
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

describe('zooming the heatmap', () => {
  it('hover names each token with its index; a dragged region is fetched at full resolution and shows those tokens; Reset returns', async () => {
    const { page, host, service } = h;
    // a file of its own, so that opening it is a new run whatever the window showed before
    const zoomFile = join(dir, 'zoom.json');
    writeFileSync(zoomFile, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 23) }));
    host.opens.embeddings.push(zoomFile);
    const before = await shownRun(page);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('zoom.json');
    const runId = await runFinished(page, before);
    const run = service.storedRun(runId)!;
    expect(run.tokens.queries).toEqual(TOKENS);

    const option = (await chartState(page, 'heatmap'))!.option!;
    expect(option.yAxis[0].data).toEqual(NAMED);
    const box = (await page.getByTestId('heatmap').boundingBox())!;
    const grid = option.grid[0];
    const at = (j: number, i: number) => ({ x: box.x + grid.left + ((j + 0.5) * grid.width) / TOKENS.length, y: box.y + grid.top + ((i + 0.5) * grid.height) / TOKENS.length });
    // the pointer over cell (key 1, query 4): the tooltip names the query and key tokens with their indices
    await page.mouse.move(at(1, 4).x, at(1, 4).y);
    await page.getByTestId('heatmap-tip').waitFor({ state: 'visible' });
    expect(await page.getByTestId('heatmap-tip').textContent()).toMatch(new RegExp(`^${NAMED[4]} \\(4\\) → ${NAMED[1]} \\(1\\): (weight|score) `));
    // and leaving the chart hides it
    await page.mouse.move(box.x + box.width / 2, box.y - 40);
    await page.getByTestId('heatmap-tip').waitFor({ state: 'hidden' });

    // drag from cell (key 2, query 3) to cell (key 5, query 6)
    await page.mouse.move(at(2, 3).x, at(2, 3).y);
    await page.mouse.down();
    await page.mouse.move(at(5, 6).x, at(5, 6).y, { steps: 6 });
    await page.mouse.up();
    await page.locator('[data-testid="zoom-bar"][data-depth="1"]').waitFor({ timeout: 30_000 });
    expect(h.calls).toContain('fetchTile');
    const zoomed = (await chartState(page, 'heatmap'))!.option!;
    expect(zoomed.yAxis[0].data).toEqual(NAMED.slice(3, 7));
    expect(zoomed.xAxis[0].data).toEqual(NAMED.slice(2, 6));
    // the tile's cells are the run's own weights there
    const view = (await page.getByTestId('view-matrix').inputValue()) as 'weights' | 'scores';
    const matrix = run.result[view]!;
    for (const d of zoomed.series[0].data as (number[] | { value: number[] })[]) {
      const [j, i, v] = Array.isArray(d) ? d : d.value;
      expect(Math.abs(v - matrix[(3 + i) * 12 + 2 + j])).toBeLessThan(1e-5);
    }
    await page.getByTestId('zoom-reset').click();
    await page.locator('[data-testid="zoom-bar"][data-depth="0"]').waitFor();
    await expect.poll(async () => (await chartState(page, 'heatmap'))!.option!.yAxis[0].data).toEqual(NAMED);
  });
});

describe('the token view', () => {
  it('a short run has its tokens in two columns beside the matrix, a line per weight worth seeing; clicking a query token pins its row on the heatmap too', async () => {
    const { page, host, service } = h;
    const tokenFile = join(dir, 'tokens.json');
    writeFileSync(tokenFile, JSON.stringify({ tokens: TOKENS, vectors: vectors(TOKENS.length, 16, 31) }));
    host.opens.embeddings.push(tokenFile);
    const before = await shownRun(page);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-embeddings').textContent()).toContain('tokens.json');
    const runId = await runFinished(page, before);
    const run = service.storedRun(runId)!;
    const { Tq, Tk } = run.result;
    expect([Tq, Tk]).toEqual([12, 12]);
    expect(await page.getByTestId('view-tokens').isChecked()).toBe(true);
    await page.getByTestId('token-view').waitFor();

    // the lines are the run's weights of the focused head: every unmasked pair at or above 1 % of its row's largest, and no other
    const head = Number(await page.getByTestId('view-head').inputValue());
    const w = run.result.weights!.subarray(head * Tq * Tk, (head + 1) * Tq * Tk);
    const s = run.result.scores?.subarray(head * Tq * Tk, (head + 1) * Tq * Tk);
    const masked = (k: number) => s?.[k] === -Infinity;
    const want = new Map<string, number>();
    for (let i = 0; i < Tq; i++) {
      let max = 0;
      for (let j = 0; j < Tk; j++) if (!masked(i * Tk + j)) max = Math.max(max, w[i * Tk + j]);
      for (let j = 0; j < Tk; j++) {
        const k = i * Tk + j;
        if (!masked(k) && w[k] > 0 && w[k] >= 0.01 * max) want.set(`${i},${j}`, w[k]);
      }
    }
    const option = (await chartState(page, 'token-view'))!.option!;
    expect(option.series.map((x: { type: string }) => x.type)).toEqual(['scatter', 'scatter', 'lines']);
    expect(option.series[0].data.map((d: { name: string }) => d.name)).toEqual(NAMED);
    expect(option.series[1].data.map((d: { name: string }) => d.name)).toEqual(NAMED);
    const lines = option.series[2].data as { coords: number[][]; value: number; lineStyle: { width: number } }[];
    const got = new Map(lines.map((l) => [`${Math.round(l.coords[0][1] * Tq - 0.5)},${Math.round(l.coords[1][1] * Tk - 0.5)}`, l.value]));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [pair, v] of want) expect(Math.abs(got.get(pair)! - v), pair).toBeLessThan(1e-6);
    const byWeight = [...lines].sort((a, b) => a.value - b.value);
    expect(byWeight.at(-1)!.lineStyle.width).toBeGreaterThan(byWeight[0].lineStyle.width);

    // click the query token of a row not pinned yet: the heatmap frames that row, the pinned row lists it, the token view emphasises it
    const pinnedBefore = (await page.getByTestId('pinned-row').count()) ? await page.getByTestId('pinned-row').getAttribute('aria-label') : null;
    const row = pinnedBefore === 'Pinned row 3' ? 5 : 3;
    const box = (await page.getByTestId('token-view').boundingBox())!;
    const grid = option.grid[0];
    await page.mouse.click(box.x + grid.left, box.y + grid.top + ((row + 0.5) / Tq) * grid.height);
    await expect.poll(() => page.getByTestId('pinned-row').getAttribute('aria-label')).toBe(`Pinned row ${row}`);
    await expect
      .poll(async () => {
        const hm = (await chartState(page, 'heatmap'))!.option!;
        // ECharts holds the graphic component's elements under graphic[0].elements
        type El = { id?: string; shape?: { y: number }; elements?: El[] };
        const frame = (hm.graphic as El[]).flatMap((g) => g.elements ?? [g]).find((g) => g.id === 'pinned-row');
        const g = hm.grid[0];
        return frame?.shape ? Math.round((frame.shape.y + 1 - g.top) / (g.height / Tq)) : null;
      })
      .toBe(row);
    await expect
      .poll(async () => (await chartState(page, 'token-view'))!.option!.series[0].data.map((d: { label: { fontWeight: string } }) => d.label.fontWeight).indexOf('bold'))
      .toBe(row);

    // the toolbar's "Tokens" turns it off and on
    await page.getByTestId('view-tokens').uncheck();
    await expect.poll(() => page.getByTestId('token-view-panel').count()).toBe(0);
    await page.getByTestId('view-tokens').check();
    await page.getByTestId('token-view').waitFor();
    await page.waitForTimeout(300);
    await h.screenshot('token-view', { docs: true });
  });
});
