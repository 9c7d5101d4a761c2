/**
 * Long sequences through the app's own door: a run that keeps only an overview, then a
 * zoomed tile fetched with window.qklab.fetchTile (page-api.js → the request table → the
 * real LabService and WasmPool), and the status bar naming the backend that ran and its
 * compute time. The renderer does not zoom yet (src-renderer/README.md documents the
 * operation for it); this proves the operation works from the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeBrowser, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ workers: 1 });
});
afterAll(async () => {
  await h?.close();
  await closeBrowser();
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
    expect(reply.shape).toEqual([[1500, 1756], [1400, 1912]]);
    expect(reply.length).toBe(256 * 512);
    expect(reply.isFloat32).toBe(true);
    expect(reply.blocked).toBe(-Infinity);
    expect(reply.blockedWeight).toBe(0);
    expect(reply.rowSum).toBeGreaterThan(0);
    expect(reply.rowSum).toBeLessThanOrEqual(1 + 1e-5);
    expect(reply.backend).toMatch(/^wasm/);
    // the run itself never held a T×T matrix: only the tile was computed at full resolution
    const stored = h.service.storedRun('long-run')!;
    expect(stored.result.weights).toBeUndefined();
  });

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
    expect(await badge.getAttribute('data-backend')).toBe('wasm');
    expect(await badge.textContent()).toMatch(/^\s*wasm \d+ ms\s*$/);
    expect(await badge.getAttribute('title')).toMatch(/^wasm \(1 worker × \d threads?\)\nload \d+ ms · compute \d+ ms · total \d+ ms · \d+ tiles?$/);
    expect(await h.page.getByTestId('run-status').textContent()).toMatch(/wasm \(1 worker/);
  });
});
