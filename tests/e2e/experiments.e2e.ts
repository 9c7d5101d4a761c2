/**
 * The Experiments tab end to end: each experiment of SPEC §6 run from its view through the
 * real LabService and CpuPool (LabApi.runExperiment), its chart drawn with plausible
 * numbers, nothing in its charts clipped or overprinted, and a screenshot of the view in
 * tests/e2e/artifacts/experiment-{name}.png (each experiment's first also in docs/screenshots,
 * for the README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { closeBrowser, startHarness, type Harness } from './harness';
import { chartLayout, layoutProblems } from './probes';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  const { page } = h;
  // the first job (the sample sentence) has run: the pickers know its rows
  await page.locator('[data-testid="heatmap-panel"]:not([data-run-id=""])').waitFor({ timeout: 60_000 });
  await page.getByTestId('tab-experiments').click();
  await page.getByTestId('experiments-panel').waitFor();
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
});

function view(page: Page, name: string): Locator {
  return page.getByTestId(`experiment-${name}`);
}

async function open(page: Page, name: string): Promise<Locator> {
  await page.getByTestId(`experiment-tab-${name}`).click();
  const v = view(page, name);
  await v.waitFor();
  return v;
}

/** Press Run and wait for a new finished result; returns its run id. */
async function runAndWait(page: Page, name: string): Promise<string> {
  const v = view(page, name);
  const before = (await v.getAttribute('data-run-id')) ?? '';
  await v.getByTestId('experiment-run').click();
  return finished(page, name, before);
}

async function finished(page: Page, name: string, before: string): Promise<string> {
  await page.waitForFunction(
    ([n, prev]) => {
      const el = document.querySelector(`[data-testid="experiment-${n}"]`);
      const id = el?.getAttribute('data-run-id') ?? '';
      const status = el?.getAttribute('data-status');
      if (status === 'error') return true;
      return id !== '' && id !== prev && status === 'done';
    },
    [name, before] as const,
    { timeout: 120_000 },
  );
  const v = view(page, name);
  const error = v.getByTestId('experiment-error');
  if (await error.count()) throw new Error(`the ${name} experiment failed: ${await error.textContent()}`);
  expect(await v.getAttribute('data-status')).toBe('done');
  return (await v.getAttribute('data-run-id')) ?? '';
}

/** The chart is drawn: a canvas with pixels that are not all one colour. */
async function chartDrawn(chart: Locator): Promise<void> {
  await chart.locator('canvas').first().waitFor();
  await expect
    .poll(() =>
      chart.evaluate((el) => {
        const c = el.querySelector('canvas');
        if (!c || c.width === 0 || c.height === 0) return 0;
        const ctx = c.getContext('2d');
        if (!ctx) return 0;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let k = 3; k < d.length; k += 4 * 7) if (d[k] > 0) painted++;
        return painted;
      }),
    )
    .toBeGreaterThan(50);
}

/**
 * The Experiments pane as it is now, once every chart shown in it is tidy: each text inside its
 * chart and on no other, each legend clear of its grids (read from the charts, not the pixels).
 * `docs` also writes docs/screenshots/experiment-NAME.png (the README's table).
 */
async function shot(page: Page, name: string, { docs = false } = {}): Promise<void> {
  await page.waitForTimeout(700); // let the charts' entrance animation finish (the labels in their places)
  const charts = await page
    .locator('#pane-experiments .echart[data-testid]')
    .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).map((e) => e.getAttribute('data-testid')!));
  expect(charts.length, `${name} shows a chart`).toBeGreaterThan(0);
  for (const id of charts) {
    const layout = await chartLayout(page, id);
    expect(layout, id).not.toBeNull();
    expect(layout!.texts.length, `${id} draws its texts`).toBeGreaterThan(0);
    expect(layoutProblems(layout!), `${name}: ${id}`).toEqual([]);
  }
  await h.screenshot(`experiment-${name}`, { docs, of: '#pane-experiments' });
}

const num = (s: string | null) => Number((s ?? '').replace('−', '-').trim());

describe('experiments through the real engine', () => {
  it('scaling: without 1/√d the entropy collapses at the largest width; with it, it stays', async () => {
    const { page } = h;
    const v = await open(page, 'scaling');
    await v.getByLabel('Widths d').fill('2, 8, 32, 128, 512, 2048');
    await v.getByLabel('Trials').fill('3');
    await runAndWait(page, 'scaling');
    await chartDrawn(page.getByTestId('experiment-chart-scaling'));
    const rows = await v
      .getByTestId('experiment-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
    expect(rows.map((r) => Number(r[0]))).toEqual([2, 8, 32, 128, 512, 2048]);
    const [, unscaled, scaled] = rows[rows.length - 1].map(num);
    expect(unscaled).toBeLessThan(scaled);
    expect(unscaled).toBeLessThan(0.5);
    expect(scaled).toBeLessThanOrEqual(Math.log(64) + 1e-6);
    // the same numbers as asking the service directly (same engine, same seed)
    const direct = await h.service.runExperiment({ runId: 'direct-scaling', name: 'scaling', options: { dims: [2048], n: 64, trials: 3, seed: 0 } });
    expect(Number(direct.result.rows[0].scaled.toPrecision(3))).toBeCloseTo(scaled, 6);
    expect(h.calls).toContain('runExperiment');
    // the table downloads as CSV through a Blob link (no LabApi round trip)
    const [download] = await Promise.all([page.waitForEvent('download'), v.getByTestId('experiment-download-csv').click()]);
    expect(download.suggestedFilename()).toBe('qklab-scaling.csv');
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(csv[0]).toBe('dim,unscaled,scaled,max');
    expect(csv.filter(Boolean)).toHaveLength(7);
    await shot(page, 'scaling', { docs: true });
  });

  it('temperature: entropy grows from sharp to flat τ; the arg-max share is shown', async () => {
    const { page } = h;
    const v = await open(page, 'temperature');
    expect(await v.getByLabel('Temperatures τ').inputValue()).toMatch(/^0\.05, .*, 20$/);
    await runAndWait(page, 'temperature');
    await chartDrawn(page.getByTestId('experiment-chart-temperature'));
    // the generic view's table is the module's: tau, argmax_changed, entropy_head0, …
    const table = v.getByTestId('experiment-table');
    const header = await table.locator('thead th').allTextContents();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
    expect(rows).toHaveLength(13);
    const entropy = header.indexOf('entropy_head0');
    const sharp = num(rows[0][entropy]);
    const flat = num(rows[rows.length - 1][entropy]);
    expect(sharp).toBeLessThan(flat);
    expect(flat).toBeLessThanOrEqual(Math.log(8) + 1e-3);
    for (const r of rows) expect(num(r[header.indexOf('argmax_changed')])).toBeGreaterThanOrEqual(0);
    await shot(page, 'temperature', { docs: true });
  });

  it('compare metrics: weights side by side, per-row JS divergence, top-k per metric', async () => {
    const { page } = h;
    const v = await open(page, 'compare');
    for (const id of ['dot', 'cosine', 'rbf']) expect(await v.getByTestId(`compare-metrics-${id}`).isChecked()).toBe(true);
    await v.getByTestId('compare-metrics-laplacian').check();
    await runAndWait(page, 'compare');
    await chartDrawn(page.getByTestId('experiment-chart-compare'));
    for (const id of ['dot', 'cosine', 'rbf', 'laplacian']) await chartDrawn(v.getByTestId(`compare-heatmap-${id}`));
    const table = v.getByTestId('compare-topk');
    await expect.poll(() => table.getByTestId('compare-topk-row').count()).toBe(4);
    expect(await table.getByTestId('compare-topk-row').first().locator('.key').count()).toBe(3);
    await v.getByLabel('Query', { exact: true }).selectOption({ index: 4 });
    await expect.poll(() => table.textContent()).toContain('mouse');
    await shot(page, 'compare', { docs: true });
  });

  it('geometry on the 16-dim sentence goes through PCA and shows the explained variance', async () => {
    const { page } = h;
    const v = await open(page, 'geometry');
    await runAndWait(page, 'geometry');
    await chartDrawn(page.getByTestId('experiment-chart-geometry'));
    expect(await v.getByTestId('geometry-plane').textContent()).toMatch(/PCA plane: PC1 [\d.]+% \+ PC2 [\d.]+%/);
    expect(await v.getByTestId('geometry-arrows').locator('tbody tr').count()).toBe(8);
    // picking another query re-runs the view at once
    const before = (await v.getAttribute('data-run-id')) ?? '';
    await v.getByLabel('Query', { exact: true }).selectOption('4');
    await finished(page, 'geometry', before);
    await expect.poll(() => v.getByTestId('geometry-arrows').locator('caption').textContent()).toContain('“mouse”');
    // (shot: the token labels hide rather than overprint one another)
    await shot(page, 'geometry', { docs: true });
  });

  it('decoding: the slider walks the cache; the cached rows equal the full causal run', async () => {
    const { page } = h;
    const v = await open(page, 'decoding');
    await runAndWait(page, 'decoding');
    const chart = page.getByTestId('experiment-chart-decoding');
    await chartDrawn(chart);
    await chartDrawn(v.getByTestId('decoding-row'));
    await chartDrawn(v.getByTestId('decoding-cache'));
    expect(await v.getByTestId('decoding-maxdiff').textContent()).toContain('identical rows');
    const slider = v.getByTestId('decoding-step');
    await slider.fill('2');
    await v.getByText('Step t = 2').waitFor();
    await page.waitForTimeout(300);
    const at2 = await chart.screenshot();
    await slider.fill('5');
    await v.getByText('Step t = 5').waitFor();
    expect(await v.getByTestId('decoding-maxdiff').textContent()).toContain('identical rows');
    await page.waitForTimeout(300);
    expect(Buffer.compare(at2, await chart.screenshot())).not.toBe(0);
    // (shot: the cost chart, the cache strip and row t with nothing clipped or overprinted, legends clear of the grids)
    await shot(page, 'decoding', { docs: true });
  });

  it('k-NN: the k best keys with scores and weights beside the hard top-k result', async () => {
    const { page } = h;
    const v = await open(page, 'knn');
    // the query starts as the last row (it sees every key under a causal mask)
    const query = v.getByLabel('Query', { exact: true });
    expect(await query.inputValue()).toBe('');
    expect(await query.locator('option').first().textContent()).toBe('last');
    await v.getByLabel('k', { exact: true }).fill('4');
    await v.getByLabel('k', { exact: true }).press('Tab');
    await runAndWait(page, 'knn');
    await chartDrawn(page.getByTestId('experiment-chart-knn'));
    const rows = await v
      .getByTestId('knn-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent ?? '')));
    expect(rows).toHaveLength(4);
    const soft = rows.map((r) => num(r[3]));
    const hard = rows.map((r) => num(r[4]));
    // best first; the hard row renormalises the same k keys to sum to 1
    for (let r = 1; r < soft.length; r++) expect(soft[r]).toBeLessThanOrEqual(soft[r - 1] + 1e-9);
    expect(hard.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    for (let r = 0; r < 4; r++) expect(hard[r]).toBeGreaterThanOrEqual(soft[r] - 1e-3);
    // (shot: the soft and hard bars' values never overprint each other)
    await shot(page, 'knn', { docs: true });
  });

  it.each(['ranking', 'quantization', 'positions', 'recurrence'])('%s runs with its defaults (over the sample sentence where it needs a job) and draws its chart', async (name) => {
    const { page } = h;
    await open(page, name);
    await runAndWait(page, name);
    await chartDrawn(page.getByTestId(`experiment-chart-${name}`));
    await shot(page, name, { docs: true });
  });

  it('geometry on the textbook 2-D toy uses the raw coordinates, no projection', async () => {
    const { page } = h;
    const before = (await page.getByTestId('heatmap-panel').getAttribute('data-run-id')) ?? '';
    await page.getByLabel('Sample').selectOption('toy2d');
    await page.waitForFunction(
      (prev) => {
        const id = document.querySelector('[data-testid="heatmap-panel"]')?.getAttribute('data-run-id') ?? '';
        return id !== '' && id !== prev;
      },
      before,
      { timeout: 60_000 },
    );
    const v = await open(page, 'geometry');
    await v.getByTestId('experiment-stale').waitFor();
    await runAndWait(page, 'geometry');
    await chartDrawn(page.getByTestId('experiment-chart-geometry'));
    expect(await v.getByTestId('geometry-plane').textContent()).toMatch(/Raw 2-D coordinates/);
    const weights = await v.getByTestId('geometry-arrows').locator('tbody tr td').allTextContents();
    expect(weights).toHaveLength(6);
    expect(weights.map(num).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    await shot(page, 'geometry-toy');
  });

  it('the views follow the dark theme', async () => {
    const { page } = h;
    await page.getByTestId('toggle-theme').click();
    await open(page, 'decoding');
    await chartDrawn(page.getByTestId('experiment-chart-decoding'));
    await shot(page, 'decoding-dark');
    await page.getByTestId('toggle-theme').click();
  });

  it('a long experiment shows its progress and stops on Cancel; the last result stays', async () => {
    const { page } = h;
    const v = await open(page, 'scaling');
    const shown = (await v.getAttribute('data-run-id')) ?? '';
    await v.getByLabel('Widths d').fill('4096');
    await v.getByLabel('Tokens n').fill('2048');
    await v.getByLabel('Trials').fill('50');
    await v.getByTestId('experiment-run').click();
    await v.getByTestId('experiment-progress').waitFor();
    await v.getByTestId('experiment-cancel').click();
    await expect.poll(() => v.getAttribute('data-status')).toBe('cancelled');
    expect(await v.getAttribute('data-run-id')).toBe(shown);
    expect(await v.getByTestId('experiment-progress').count()).toBe(0);
    expect(h.calls).toContain('cancelJob');
    // the engine is free again: a small run finishes
    await v.getByLabel('Widths d').fill('16, 256');
    await v.getByLabel('Tokens n').fill('32');
    await v.getByLabel('Trials').fill('1');
    await runAndWait(page, 'scaling');
  });

  it('the page raised no errors and stayed on its own origin', () => {
    expect(h.pageErrors).toEqual([]);
    const foreign = h.requests.filter((url) => !url.startsWith(h.origin + '/') && !/^(data|blob):/.test(url));
    expect(foreign).toEqual([]);
  });
});
