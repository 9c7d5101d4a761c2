/**
 * An ONNX model opened in the app (issue #17 part 3), end to end: the built renderer in
 * Chromium, the real LabService and CpuPool behind it. Open hf.onnx through the Open dialog,
 * type a text (the tokenizer.json beside it makes it the fixture's ids), wait for the
 * capture, pick layer 1 and head 2, re-score the model's way (dot, causal): the weights are
 * torch's own pattern (tests/fixtures/model-capture/hf.expected.safetensors), modelDivergence
 * ≈ 0, and "Model vs lab" in Compare shows B − A ≈ 0. The same model without a tokenizer.json
 * takes typed ids: one past the vocabulary, or not a number, shows a message naming hf.onnx;
 * Esc cancels a capture in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPECTED_IDS, FIXTURES, readSafetensors } from '../capture/helpers';
import { closeBrowser, startHarness, type Harness } from './harness';
import { chartState, duplicateTestIds, runFinished, shownRun } from './probes';

const HF = join(FIXTURES, 'hf.onnx');
/** the words of EXPECTED_IDS in the fixture's tokenizer ("xyzzy" is [UNK], id 0) */
const TEXT = 'Sat house tree a he mat fish to seven xyzzy';
const T = EXPECTED_IDS.length;
const H = 4;
/** torch's own pattern of layer 1, [head, query, key] */
const TORCH = readSafetensors(new Uint8Array(readFileSync(join(FIXTURES, 'hf.expected.safetensors')))).tensors.get('blocks.1.attn.hook_pattern')!.data;

let h: Harness;
let tmp: string;

beforeAll(async () => {
  h = await startHarness();
  await runFinished(h.page, '');
  tmp = mkdtempSync(join(tmpdir(), 'qklab-e2e-model-'));
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function jsOf(text: string | null): number {
  const m = /mean JS (\S+) nats/.exec(text ?? '');
  if (!m) throw new Error(`no "mean JS … nats" in ${JSON.stringify(text)}`);
  return Number(m[1]);
}

describe('an ONNX model opened in the app', () => {
  it('captures hf.onnx on a typed text; layer 1, head 2, dot + causal is torch’s pattern: modelDivergence ≈ 0, B − A ≈ 0 in Compare', async () => {
    const { page, host, service } = h;
    let runId = await shownRun(page);
    host.opens.embeddings.push(HF);
    await page.getByTestId('open-embeddings').click();
    await page.getByTestId('source-model').waitFor();
    expect(await page.getByTestId('model-name').textContent()).toBe('hf.onnx');
    expect(await page.getByTestId('model-prompt').textContent()).toContain('tokenizer.json');
    await page.getByTestId('model-input').fill(TEXT);
    await h.screenshot('model-card', { of: '[data-testid="data-panel"]' });
    await page.getByTestId('model-capture').click();
    await expect.poll(() => page.getByTestId('source-name-capture').textContent(), { timeout: 30_000 }).toMatch(/^hf-[0-9a-f]{12}\.safetensors$/);
    expect(await page.getByTestId('source-model').count()).toBe(0);
    expect(h.calls).toContain('captureModel');
    expect(h.progress.some((e) => e.stage === 'capturing')).toBe(true);
    expect(await page.getByTestId('source-meta-capture').textContent()).toContain(`2 layers (0–1) · ${H} heads × ${T} positions · d_head 8 · with the model's pattern`);
    await expect.poll(() => page.getByTestId('token-list').textContent()).toContain('house');
    runId = await runFinished(page, runId);

    await page.getByTestId('capture-layer').selectOption('1');
    runId = await runFinished(page, runId);
    await page.getByLabel('New mask type').selectOption('causal');
    await page.getByTestId('add-mask').click();
    runId = await runFinished(page, runId);
    const run = service.storedRun(runId)!;
    expect(run.spec).toMatchObject({ capture: { layer: 1 }, metric: { id: 'dot' }, mask: [{ id: 'causal' }] });
    expect(run.result.heads).toBe(H);
    // the lab's weights of every head are torch's own pattern
    const weights = run.result.weights!;
    let worst = 0;
    for (let i = 0; i < H * T * T; i++) worst = Math.max(worst, Math.abs(weights[i] - TORCH[i]));
    expect(worst).toBeLessThan(1e-5);
    expect(run.result.modelDivergence![2]!).toBeLessThan(1e-5);

    await page.getByTestId('view-head').selectOption('2');
    await expect.poll(() => page.getByTestId('model-divergence').textContent()).toContain('head 2');
    expect(jsOf(await page.getByTestId('model-divergence').textContent())).toBeLessThan(1e-5);

    await page.getByTestId('tab-compare').click();
    await page.getByTestId('pin-model').click();
    await page.getByTestId('compare-a').waitFor();
    await expect.poll(() => page.getByTestId('compare-a-caption').textContent()).toContain("the model's own pattern · layer 1 · head 2");
    await expect.poll(() => page.getByTestId('mean-js').textContent()).toMatch(/mean JS \S+ nats · head 2/);
    expect(jsOf(await page.getByTestId('mean-js').textContent())).toBeLessThan(1e-5);
    const diff = (await chartState(page, 'compare-diff'))!.option!;
    const range = (diff.visualMap as { min: number; max: number }[])[0];
    expect(Math.max(Math.abs(range.min), Math.abs(range.max))).toBeLessThan(1e-5);
    expect(await duplicateTestIds(page)).toEqual([]);
    await page.getByTestId('tab-attention').click();
  });

  it('without a tokenizer.json it takes ids: an id past the vocabulary and a word show messages naming hf.onnx; Esc cancels a capture', async () => {
    const { page, host } = h;
    const alone = join(tmp, 'alone', 'hf.onnx');
    mkdirSync(join(tmp, 'alone'));
    copyFileSync(HF, alone);
    const source = await page.getByTestId('source-name-capture').textContent();
    host.opens.embeddings.push(alone);
    await page.getByTestId('open-embeddings').click();
    await expect.poll(() => page.getByTestId('model-prompt').textContent()).toContain('type token ids');

    await page.getByTestId('model-input').fill('3, 14 99');
    await page.getByTestId('model-capture').click();
    await expect
      .poll(() => page.getByTestId('file-error-model').textContent(), { timeout: 30_000 })
      .toBe('id 99 (position 2) is past the vocabulary of hf.onnx: 50 tokens, ids 0–49');
    await page.getByTestId('model-input').fill('3, cat');
    await expect.poll(() => page.getByTestId('file-error-model').count()).toBe(0);
    await page.getByTestId('model-input').press('Enter');
    await expect.poll(() => page.getByTestId('file-error-model').textContent()).toBe('hf.onnx: token id 1 is "cat": expected a whole number ≥ 0');
    // the capture shown before stays
    expect(await page.getByTestId('source-name-capture').textContent()).toBe(source);
    await h.screenshot('model-error', { of: '[data-testid="data-panel"]' });

    // a long sequence (1,000 positions), cancelled with Esc while it runs
    await page.getByTestId('model-input').fill(Array.from({ length: 1000 }, (_, i) => i % 50).join(' '));
    await page.getByTestId('model-capture').click();
    await page.getByTestId('model-progress').waitFor();
    await h.screenshot('model-capturing', { of: '[data-testid="data-panel"]' });
    await page.keyboard.press('Escape');
    await page.getByTestId('model-progress').waitFor({ state: 'detached' });
    expect(h.calls).toContain('cancelJob');
    expect(await page.getByTestId('file-error-model').count()).toBe(0);
    expect(await page.getByTestId('model-capture').isEnabled()).toBe(true);
    expect(await page.getByTestId('source-name-capture').textContent()).toBe(source);
    await page.getByTestId('model-close').click();
    expect(await page.getByTestId('source-model').count()).toBe(0);
  });
});
