import { describe, expect, it } from 'vitest';
import { matchShortcut, SHORTCUTS } from '../../src-renderer/src/logic/shortcuts';
import { errorsUnder, errorText, isCancellation, locateError } from '../../src-renderer/src/logic/errors';
import { dropKind } from '../../src-renderer/src/logic/drop';
import { rowBars } from '../../src-renderer/src/charts/focus';
import { heatmapOption } from '../../src-shared/charts/heatmap';
import { matrixPixels, needsImage } from '../../src-shared/charts/heatmap-image';
import { runHeatmapInput } from '../../src-shared/charts/heatmap-input';
import { gridBox, heatmapGeometry, tooltipAtPoint } from '../../src-shared/charts/heatmap-interact';
import { colorAt } from '../../src-shared/charts/colormaps';
import { replyOf, resultOf } from './fake-lab-api';

describe('keyboard shortcuts', () => {
  it('the table covers open, save, export, cancel and run-now', () => {
    expect(matchShortcut({ key: 'o', ctrlKey: true })).toBe('open-embeddings');
    expect(matchShortcut({ key: 'O', metaKey: true })).toBe('open-embeddings');
    expect(matchShortcut({ key: 'O', ctrlKey: true, shiftKey: true })).toBe('open-session');
    expect(matchShortcut({ key: 's', ctrlKey: true })).toBe('save-session');
    expect(matchShortcut({ key: 'S', ctrlKey: true, shiftKey: true })).toBe('save-session-as');
    expect(matchShortcut({ key: 'e', ctrlKey: true })).toBe('export-png');
    expect(matchShortcut({ key: 'Escape' })).toBe('cancel-run');
    expect(matchShortcut({ key: 'Enter', ctrlKey: true })).toBe('run-now');
    expect(matchShortcut({ key: 'Enter' })).toBeNull();
    expect(matchShortcut({ key: 'o' })).toBeNull();
    expect(matchShortcut({ key: 'o', ctrlKey: true, altKey: true })).toBeNull();
    // in the page, not only through the native menu
    expect(matchShortcut({ key: 'F1' })).toBe('metrics-reference');
    expect(matchShortcut({ key: 'L', ctrlKey: true, shiftKey: true })).toBe('toggle-theme');
    expect(matchShortcut({ key: 'E', ctrlKey: true, shiftKey: true })).toBe('export-dialog');
    expect(new Set(SHORTCUTS.map((s) => s.label)).size).toBe(SHORTCUTS.length);
  });
});

describe('errors in words, placed by field', () => {
  it('unwraps IPC and class prefixes and finds the dotted field', () => {
    const e = new Error("Error invoking remote method 'lab:run': JobSpecError: mask.1.size: expected an integer ≥ 0, got -1");
    expect(locateError(e)).toEqual({ field: 'mask.1.size', area: 'config', message: 'expected an integer ≥ 0, got -1', full: 'mask.1.size: expected an integer ≥ 0, got -1' });
    expect(locateError(new Error('embeddings.sentence: none of the words were found')).area).toBe('data');
    expect(locateError(new Error('worker crashed: out of memory'))).toMatchObject({ field: null, area: 'run' });
    // a file name with a colon is not a field
    expect(locateError(new Error('emb.npy: byte 8: bad magic')).field).toBeNull();
    expect(errorText('plain')).toBe('plain');
  });

  it('tells a cancellation from a failure', () => {
    expect(isCancellation(new Error('the run was cancelled'))).toBe(true);
    expect(isCancellation(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(true);
    expect(isCancellation(new Error('metric.tau: bad'))).toBe(false);
  });

  it('groups errors under a JobSpec prefix', () => {
    expect(errorsUnder({ 'mask.1.size': 'a', 'mask.1': 'b', 'mask.10.k': 'c', metric: 'd' }, 'mask.1')).toEqual({ size: 'a', '': 'b' });
  });
});

describe('drops', () => {
  it('.qklab files are sessions, anything else embeddings', () => {
    expect(dropKind('work.QKLAB')).toBe('session');
    expect(dropKind('glove.6B.50d.txt')).toBe('embeddings');
  });
});

describe('big matrices as an image', () => {
  it('matrices beyond 256 on either axis are drawn as an image', () => {
    expect(needsImage(256, 256)).toBe(false);
    expect(needsImage(257, 10)).toBe(true);
  });

  it('pools to the pixel size and colours with the colour bar’s map; masked blocks are grey', () => {
    const rows = 600;
    const cols = 600;
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values[i * cols + j] = i < 300 ? 1 : j < 300 ? -Infinity : 0;
    const px = matrixPixels(
      { values, rows, cols, rowLabels: null, colLabels: null, view: { matrix: 'scores', colormap: 'viridis', scale: 'linear', head: 0 } },
      150,
      150,
      '#d9d9d9',
    );
    expect([px.width, px.height]).toEqual([150, 150]);
    const at = (x: number, y: number) => Array.from(px.data.slice((y * px.width + x) * 4, (y * px.width + x) * 4 + 4));
    expect(at(10, 10)).toEqual([...colorAt('viridis', 1), 255]);
    expect(at(10, 140)).toEqual([0xd9, 0xd9, 0xd9, 255]);
    expect(at(140, 140)).toEqual([...colorAt('viridis', 0), 255]);
  });

  it('the colour bar names the colours of the image, not of the coarser cells under it', () => {
    // one hot pair in a 1024² map: the image pools it in blocks of its pixels, the cells in 4 × 4
    const n = 1024;
    const values = new Float32Array(n * n);
    values[500 * n + 700] = 1;
    const input = { values, rows: n, cols: n, rowLabels: null, colLabels: null, view: { matrix: 'weights' as const, colormap: 'viridis', scale: 'linear' as const, head: 0 } };
    const opts = { width: 900, height: 800, theme: 'light' as const };
    let painted: { width: number; height: number; data: Uint8ClampedArray } | null = null;
    const option = heatmapOption(input, opts, { image: { pixelRatio: 2, paint: (px) => ((painted = px), 'image') } });
    const box = gridBox(option)!;
    // docs/semantics.md's blocks: ceil(n / pixels) tokens a side; the hot block's mean is 1 / (block area)
    const [bRows, bCols] = [Math.ceil(n / Math.floor(box.height * 2)), Math.ceil(n / Math.floor(box.width * 2))];
    const bar = (option.visualMap as Array<{ max: number }>)[0];
    expect(bar.max).toBeCloseTo(1 / (bRows * bCols), 6);
    expect(1 / (bRows * bCols)).toBeGreaterThan(1 / 16);
    // and the image's hottest pixel is the bar's top colour
    const px = painted!;
    const hot = (Math.floor(500 / bRows) * px.width + Math.floor(700 / bCols)) * 4;
    expect(Array.from(px.data.slice(hot, hot + 3))).toEqual(colorAt('viridis', 1));
    const heading = (option.graphic as Array<{ id?: string; style?: { text: string } }>).find((g) => g.id === 'colour-bar-heading')!.style!.text;
    expect(heading).toContain(bRows > 1 || bCols > 1 ? `mean of ${bRows}×${bCols} blocks` : 'weight');
  });

  it('draws the image in place of the cells, names the cell under a point either way, frames the pinned row', () => {
    const reply = replyOf(
      'r',
      resultOf([
        [0.7, 0.3],
        [0.2, 0.8],
      ]),
    );
    const input = runHeatmapInput(reply, { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 })!;
    const opts = { width: 600, height: 400, theme: 'light' as const };
    const option = heatmapOption(input, opts);
    const box = gridBox(option)!;
    expect(box.width).toBeGreaterThan(0);
    expect((option.yAxis as { data: string[] }).data).toHaveLength(2);
    const withImage = heatmapOption(input, opts, { tooltip: true, image: { pixelRatio: 1, paint: () => 'data:image/png;base64,' } });
    const graphics = withImage.graphic as Array<{ type: string; id?: string; style?: { width: number } }>;
    expect(graphics.find((g) => g.id === 'matrix-image')?.style?.width).toBe(box.width);
    // no cell items under the image (ECharts spent ~0.3 s a run on 65,536 invisible ones)
    expect((option.series as Array<{ data: unknown[] }>)[0].data).toHaveLength(4);
    expect((withImage.series as Array<{ data: unknown[] }>)[0].data).toEqual([]);
    // the window's tooltip names the cell under the pointer, from the image's option as from the cells'
    const withCells = heatmapOption(input, opts, { tooltip: true });
    const g = heatmapGeometry(input, opts);
    for (const o of [withImage, withCells]) {
      const b = gridBox(o)!;
      expect(tooltipAtPoint(o, g, b, b.left + b.width * 0.75, b.top + b.height * 0.75)).toMatch(/^q1 \(1\) → k1 \(1\): weight 0\.8/);
      expect(tooltipAtPoint(o, g, b, b.left + b.width * 0.75, b.top + b.height * 0.25)).toMatch(/^q0 \(0\) → k1 \(1\): weight 0\.3/);
      expect(tooltipAtPoint(o, g, b, b.left - 2, b.top + 1)).toBeNull();
      // ECharts has no tooltip of its own to build (there may be no item to hover)
      expect(o.tooltip).toBeUndefined();
    }
    expect(tooltipAtPoint(option, g, box, box.left + 1, box.top + 1)).toBeNull();
    const pinned = heatmapOption(input, opts, { pinnedRow: 1, pinColor: '#000' });
    const rect = (pinned.graphic as Array<{ id?: string; shape?: { y: number } }>).find((g) => g.id === 'pinned-row')!;
    expect(rect.shape!.y).toBeCloseTo(box.top + box.height / 2 - 1, 5);
    expect((heatmapOption(input, opts, { pinnedRow: null }).graphic as Array<{ id?: string }>).some((g) => g.id === 'pinned-row')).toBe(false);
  });

  it('the pinned row is a bar list, largest first, masked keys last', () => {
    const reply = replyOf('r', resultOf([[0.2, 0, 0.8]]));
    const bars = rowBars(reply, 0, 0)!;
    expect(bars.map((b) => [b.index, b.masked])).toEqual([
      [2, false],
      [0, false],
      [1, true],
    ]);
    expect(bars[0]).toMatchObject({ token: 'k2', weight: expect.closeTo(0.8, 6) });
    expect(rowBars(replyOf('r', { ...resultOf([[1]]), weights: undefined }), 0, 0)).toBeNull();
    // a repeated key is numbered, as on the heatmap's axes
    const repeated = { ...replyOf('r', resultOf([[0.5, 0.3, 0.2]])), tokens: { queries: ['the'], keys: ['the', 'cat', 'the'] } };
    expect(rowBars(repeated, 0, 0)!.map((b) => b.token)).toEqual(['the', 'cat', 'the#2']);
  });

  it('without full weights the focused view is the engine’s pooled overview, its axes in tokens', () => {
    const base = resultOf([[1, 0]]);
    const result = {
      ...base,
      Tq: 1000,
      Tk: 1000,
      weights: undefined,
      scores: undefined,
      overview: { rows: 2, cols: 2, pool: 'mean' as const, data: new Float32Array([0.1, 0.2, 0.3, 0.4]) },
    };
    const input = runHeatmapInput(replyOf('r', result), { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 })!;
    expect([input.rows, input.cols]).toEqual([2, 2]);
    expect(input.rowAxis).toEqual({ start: 0, step: 500, length: 1000 });
    const option = heatmapOption(input, { width: 600, height: 400, theme: 'light' });
    expect((option.yAxis as { data: string[] }).data).toEqual(['0–499', '500–999']);
  });
});
