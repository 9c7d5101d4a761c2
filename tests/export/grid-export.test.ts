/**
 * All heads as one figure at the scale of real work: 12 heads of a 2048-token run that kept
 * only its pooled overview (as the app asks at that length), one panel a head.
 */
import { describe, expect, it } from 'vitest';
import { exportHeadGrid, gridColumns, GRID_PANEL_WIDTH } from '../../src-main/service/export/heatmap-grid-export';
import { defaultExportHeight } from '../../src-main/service/export/heatmap-export';
import { longRun } from '../charts/helpers';
import { decodePng, distinctColours } from './png';

/** longRun's overview, for 12 heads: head h's blocks hold values scaled by (h + 1), so the heads' ranges differ. */
function twelveHeads() {
  const run = longRun(2048, 256);
  const ov = run.result.overview!;
  const n = ov.rows * ov.cols;
  const data = new Float32Array(12 * n);
  for (let h = 0; h < 12; h++) for (let k = 0; k < n; k++) data[h * n + k] = ov.data[k] * (h + 1);
  return { ...run, result: { ...run.result, heads: 12, overview: { ...ov, data } } };
}

describe('exportHeadGrid', () => {
  it('lays heads out in up to 4 columns', () => {
    expect([1, 2, 4, 5, 9, 12, 16, 64].map(gridColumns)).toEqual([1, 2, 2, 3, 3, 4, 4, 4]);
  });

  it('12 heads × 2048 tokens: 12 panels in 4 × 3, each its head, one colour scale for all, a few hundred KB', () => {
    const run = twelveHeads();
    const svg = exportHeadGrid(run, { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 }, { format: 'svg', caption: 'dot · causal · 12 heads' }) as string;
    const panelH = defaultExportHeight(2048, 2048, GRID_PANEL_WIDTH);
    const [, w, h] = /^<svg width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    expect(w).toBe(4 * GRID_PANEL_WIDTH);
    // three rows of panels and the caption under them
    expect(h).toBeGreaterThan(3 * panelH);
    expect(h).toBeLessThan(3 * panelH + 80);
    for (let h = 0; h < 12; h++) expect(svg).toContain(`Attention weights · head ${h}<`);
    expect(svg.match(/<image /g)).toHaveLength(12);
    expect(svg.length).toBeLessThan(5 * 1024 * 1024);
    // one scale: every panel's bar names the largest value of all heads (head 11's), not its own
    const max = run.result.overview.data.reduce((a, b) => Math.max(a, b), 0);
    const top = [...svg.matchAll(/>([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...top)).toBeLessThanOrEqual(max);
    expect(Math.max(...top)).toBeGreaterThan(max / 12);
    // ids of one panel never collide with another's
    const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(svg.split('dot · causal · 12 heads')).toHaveLength(2);
  });

  it('as a PNG: the grid rasterised, not blank', () => {
    const run = twelveHeads();
    const png = exportHeadGrid(run, { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 }, { format: 'png', scale: 1 }) as Uint8Array;
    const img = decodePng(png);
    expect(img.width).toBe(4 * GRID_PANEL_WIDTH);
    expect(distinctColours(img)).toBeGreaterThan(100);
  });

  it('refuses more heads than it can lay out, saying so', () => {
    const run = longRun();
    expect(() => exportHeadGrid({ ...run, result: { ...run.result, heads: 65 } }, { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 }, { format: 'svg' })).toThrow(
      /at most 64 heads/,
    );
  });
});
