/**
 * A model capture in the app (issue #17 part 3), end to end: the built renderer in Chromium,
 * the real LabService and CpuPool behind it. Open the TransformerLens safetensors capture
 * through the Open dialog, pick layer 1 and head 2, re-score it the model's way (dot with
 * 1/√d_head, causal): modelDivergence ≈ 0 on screen, and "Model vs lab" in Compare shows
 * B − A ≈ 0; cosine makes it grow to numpy's divergence (scripts/make-capture-fixtures.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { closeBrowser, startHarness, type Harness } from './harness';
import { chartState, duplicateTestIds, runFinished, shownRun } from './probes';

const FIXTURES = join(__dirname, '..', 'fixtures', 'captures');
const CAPTURE = join(FIXTURES, 'capture-tl.safetensors');
interface Expected {
  tokens: string[];
  layers: Record<string, { shape: [number, number, number]; dotWeights: number[]; cosineDivergence: number[] }>;
}
const EXPECTED = (JSON.parse(readFileSync(join(FIXTURES, 'captures.json'), 'utf8')) as Record<string, Expected>)['capture-tl.safetensors'];

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await runFinished(h.page, '');
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
});

/** The number in a "… mean JS X nats …" text. */
function jsOf(text: string | null): number {
  const m = /mean JS (\S+) nats/.exec(text ?? '');
  if (!m) throw new Error(`no "mean JS … nats" in ${JSON.stringify(text)}`);
  return Number(m[1]);
}

/** The per-row values the divergence chart holds. */
async function jsRows(page: Page): Promise<number[]> {
  const js = await chartState(page, 'compare-js');
  return (js!.option!.series as { data: (number | { value: number })[] }[])[0].data.map((d) => (typeof d === 'number' ? d : d.value));
}

describe('a model capture in the app', () => {
  it('opens a capture, picks layer 1 and head 2: the model’s own re-scoring is ≈ 0 from the model, in Compare too; cosine departs', async () => {
    const { page, host, service } = h;
    let runId = await shownRun(page);
    host.opens.embeddings.push(CAPTURE);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('source-name-capture').textContent()).toContain('capture-tl.safetensors');
    const [T, H, d] = EXPECTED.layers[1].shape;
    expect(await page.getByTestId('source-meta-capture').textContent()).toContain(`2 layers (0–1) · ${H} heads × ${T} positions · d_head ${d} · with the model's pattern`);
    await expect.poll(() => page.getByTestId('token-list').textContent()).toContain('mat');
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.spec.capture).toEqual({ path: CAPTURE, layer: 0 });

    await page.getByTestId('capture-layer').selectOption('1');
    runId = await runFinished(page, runId);
    await page.getByLabel('New mask type').selectOption('causal');
    await page.getByTestId('add-mask').click();
    runId = await runFinished(page, runId);
    let run = service.storedRun(runId)!;
    expect(run.spec).toMatchObject({ capture: { path: CAPTURE, layer: 1 }, metric: { id: 'dot' }, mask: [{ id: 'causal' }] });
    expect(run.spec.projection).toBeUndefined();
    expect(run.spec.heads).toBeUndefined();
    expect(run.tokens.keys).toEqual(EXPECTED.tokens);
    expect(run.result.heads).toBe(H);
    expect(run.result.modelDivergence![2]!).toBeLessThan(1e-6);

    await page.getByTestId('view-head').selectOption('2');
    await expect.poll(() => page.getByTestId('model-divergence').textContent()).toContain('head 2');
    expect(jsOf(await page.getByTestId('model-divergence').textContent())).toBeLessThan(1e-6);

    await page.getByTestId('tab-compare').click();
    await page.getByTestId('pin-model').click();
    await page.getByTestId('compare-a').waitFor();
    expect(h.calls).toContain('modelPattern');
    await expect.poll(() => page.getByTestId('compare-a-caption').textContent()).toContain("the model's own pattern · layer 1 · head 2");
    await expect.poll(() => page.getByTestId('mean-js').textContent()).toMatch(/mean JS \S+ nats · head 2/);
    expect(jsOf(await page.getByTestId('mean-js').textContent())).toBeLessThan(1e-6);
    const rows = await jsRows(page);
    expect(rows).toHaveLength(T);
    for (const x of rows) expect(x).toBeLessThan(1e-6);
    const diff = (await chartState(page, 'compare-diff'))!.option!;
    const range = (diff.visualMap as { min: number; max: number }[])[0];
    expect(Math.max(Math.abs(range.min), Math.abs(range.max))).toBeLessThan(1e-5);

    await page.getByTestId('score-function').selectOption('cosine');
    runId = await runFinished(page, runId);
    run = service.storedRun(runId)!;
    const numpy = EXPECTED.layers[1].cosineDivergence[2];
    expect(Math.abs(run.result.modelDivergence![2]! - numpy)).toBeLessThan(1e-5);
    expect(numpy).toBeGreaterThan(1e-3);
    await expect.poll(async () => jsOf(await page.getByTestId('mean-js').textContent())).toBeGreaterThan(1e-3);
    // the compare's mean over rows is the head's modelDivergence (no row of a causal map is empty), to the 3 digits shown
    expect(jsOf(await page.getByTestId('mean-js').textContent())).toBeCloseTo(numpy, 2);
    expect(jsOf(await page.getByTestId('compare-model-divergence').textContent())).toBeCloseTo(numpy, 2);
    expect(Math.max(...(await jsRows(page)))).toBeGreaterThan(1e-3);
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.waitForTimeout(500);
    await h.screenshot('captures-compare', { docs: true });
    await page.getByTestId('tab-attention').click();
  });

  it('Experiments: layers × heads runs every layer (numpy’s mean entropies); a cell shows that layer and head; head similarity is 0 on its diagonal', async () => {
    const { page, service } = h;
    // back to the model's own scoring: dot, causal (the capture at layer 1, from the test above)
    let runId = await shownRun(page);
    await page.getByTestId('score-function').selectOption('dot');
    runId = await runFinished(page, runId);
    await page.getByTestId('tab-experiments').click();
    await page.getByTestId('experiment-tab-layers').click();
    const v = page.getByTestId('experiment-layers');
    await v.getByTestId('experiment-run').click();
    await v.getByTestId('layers-table').waitFor({ timeout: 60_000 });
    const [T] = EXPECTED.layers[0].shape;
    for (const l of [0, 1]) {
      for (let head = 0; head < 3; head++) {
        const rows = Array.from({ length: T }, (_, i) => EXPECTED.layers[l].dotWeights.slice((head * T + i) * T, (head * T + i + 1) * T));
        const want = rows.reduce((s, row) => s + row.reduce((e, w) => (w > 0 ? e - w * Math.log(w) : e), 0), 0) / T;
        expect(Number(await v.getByTestId(`layers-cell-${l}-${head}`).textContent())).toBeCloseTo(want, 2);
      }
    }
    const chart = (await chartState(page, 'experiment-chart-layers'))!.option!;
    expect((chart.series as { data: unknown[] }[])[0].data).toHaveLength(2 * 3);
    await page.waitForTimeout(300);
    await h.screenshot('experiment-layers', { docs: true });

    await v.getByTestId('layers-cell-0-1').click();
    runId = await runFinished(page, runId);
    expect(service.storedRun(runId)!.spec.capture).toEqual({ path: CAPTURE, layer: 0 });
    expect(await page.getByTestId('capture-layer').inputValue()).toBe('0');
    await page.getByTestId('tab-attention').click();
    expect(await page.getByTestId('view-head').inputValue()).toBe('1');
    await expect.poll(() => page.getByTestId('model-divergence').textContent()).toContain('head 1');

    await page.getByTestId('tab-experiments').click();
    await page.getByTestId('experiment-tab-heads').click();
    const hv = page.getByTestId('experiment-heads');
    await hv.getByTestId('experiment-run').click();
    await hv.getByTestId('experiment-table').waitFor({ timeout: 60_000 });
    const heads = (await chartState(page, 'experiment-chart-heads'))!.option!;
    const cells = (heads.series as { data: [number, number, number][] }[])[0].data;
    expect(cells).toHaveLength(9);
    for (const [a, b, x] of cells) {
      if (a === b) expect(x).toBe(0);
      else expect(x).toBeGreaterThan(0);
    }
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.waitForTimeout(300);
    await h.screenshot('experiment-heads', { docs: true });
    await page.getByTestId('tab-attention').click();
  });
});
