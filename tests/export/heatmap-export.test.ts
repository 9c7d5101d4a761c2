import { describe, expect, it } from 'vitest';
import { tooltipAtCell } from '../../src-shared/charts/heatmap-interact';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colorAt, parseColor } from '../../src-shared/charts/colormaps';
import { headHeatmapInput, heatmapOption } from '../../src-shared/charts/heatmap';
import { palette } from '../../src-shared/charts/theme';
import { defaultExportHeight, exportHeatmap, heatmapExportOption } from '../../src-main/service/export/heatmap-export';
import { drawHeatmap } from '../../src-renderer/src/charts/draw';
import { runHeatmapInput } from '../../src-shared/charts/heatmap-input';
import { gridBox } from '../../src-shared/charts/heatmap-interact';
import { resultOf } from '../renderer/fake-lab-api';
import { renderSvg, svgToPng } from '../../src-main/service/export/render';
import { SENTENCE, longRun, randomResult, sentenceResult } from '../charts/helpers';
import { PNG_SIGNATURE, countColour, darkPixels, decodePng, distinctColours, pngSize } from './png';

const view = { matrix: 'weights' as const, colormap: 'viridis', scale: 'linear' as const, head: 0 };
const tokens = { queries: SENTENCE, keys: SENTENCE };
const caption = 'cosine τ=0.5 · causal · softmax · 1 head';
const r = sentenceResult();

/** Where the tests leave the PNGs for a person to look at. */
const OUT = join(tmpdir(), 'qklab-export-tests');
mkdirSync(OUT, { recursive: true });

describe('renderSvg / svgToPng', () => {
  it('renders an option to SVG of the asked size, and rasterises it at 1×, 2× and 4×', () => {
    const option = heatmapOption(headHeatmapInput(r, tokens, view), { width: 400, height: 360, theme: 'light', forExport: true });
    const svg = renderSvg(option, 400, 360);
    expect(svg).toMatch(/^<svg[^>]* width="400" height="360"/);
    for (const scale of [1, 2, 4] as const) {
      const png = svgToPng(svg, scale);
      expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
      expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
      expect(pngSize(png)).toEqual({ width: 400 * scale, height: 360 * scale });
    }
  });

  it('refuses a scale other than 1, 2 or 4', () => {
    const svg = renderSvg(heatmapOption(headHeatmapInput(r, tokens, view), { width: 300, height: 300, theme: 'light', forExport: true }), 300, 300);
    expect(() => svgToPng(svg, 3 as never)).toThrow(/1, 2 or 4/);
  });
});

describe('exportHeatmap', () => {
  it('SVG: contains every token, the caption, the colour bar’s ends and the masked legend, in the export font', () => {
    const svg = exportHeatmap(r, tokens, view, { format: 'svg', caption });
    for (const t of SENTENCE) expect(svg).toContain(`>${t}</text>`);
    expect(svg).toContain(caption);
    expect(svg).toContain('>masked</text>');
    expect(svg).toContain('>weight</text>');
    expect(svg).toContain('>key</text>');
    expect(svg).toContain('>query</text>');
    expect(svg).toContain('font-family:DejaVu Sans');
    expect(svg).toContain('Attention weights');
  });

  it('SVG escapes tokens that are markup', () => {
    const svg = exportHeatmap(r, { queries: ['<b>', 'a&b', '"q"', ...SENTENCE.slice(3)], keys: SENTENCE }, view, { format: 'svg' });
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('a&amp;b');
    expect(svg).not.toContain('<b>');
  });

  for (const scale of [1, 2, 4] as const) {
    it(`PNG at ${scale}×: exactly width·${scale} × height·${scale} pixels`, () => {
      const png = exportHeatmap(r, tokens, view, { format: 'png', scale, caption, width: 480, height: 420 });
      expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
      expect(pngSize(png)).toEqual({ width: 480 * scale, height: 420 * scale });
    });
  }

  it('PNG: not blank — many colours, both ends of the colour bar, the masked grey, and text under the plot', () => {
    const W = 640;
    const H = 560;
    const png = exportHeatmap(r, tokens, view, { format: 'png', scale: 1, caption, width: W, height: H });
    writeFileSync(join(OUT, 'sentence-weights.png'), png);
    const img = decodePng(png);
    expect(img.width).toBe(W);
    expect(distinctColours(img)).toBeGreaterThan(50);
    // the colour bar runs from the colour map's first stop to its last: both are drawn
    expect(countColour(img, colorAt('viridis', 0), 4)).toBeGreaterThan(20);
    expect(countColour(img, colorAt('viridis', 1), 4)).toBeGreaterThan(20);
    // masked cells: the light grey under the hatch
    expect(countColour(img, [217, 217, 217], 2)).toBeGreaterThan(500);
    // the background is white, and most of the picture is not background
    expect(countColour(img, [255, 255, 255], 0)).toBeLessThan(W * H * 0.6);
    // the caption's glyphs were rendered (the font was found): dark pixels in the bottom band
    expect(darkPixels(img, 0, H - 30, W, H, 180)).toBeGreaterThan(150);
    // and the y-axis labels left of the plot
    expect(darkPixels(img, 0, 40, 70, H - 120, 120)).toBeGreaterThan(100);
  });

  it('PNG of a dark, log-scale, pooled 400-token causal head', () => {
    const big = randomResult(400, { masks: [{ id: 'causal', offset: 0 }], d: 4 });
    const png = exportHeatmap(
      big,
      { queries: null, keys: null },
      { ...view, colormap: 'magma', scale: 'log' },
      { format: 'png', scale: 1, caption: 'dot c=3 · causal · softmax · 1 head', theme: 'dark' },
    );
    writeFileSync(join(OUT, 'causal-400-log-dark.png'), png);
    const img = decodePng(png);
    expect(img.height).toBe(defaultExportHeight(400, 400));
    expect(distinctColours(img)).toBeGreaterThan(100);
    const bg = palette('dark', true).background;
    expect(countColour(img, parseColor(bg), 0)).toBeGreaterThan(1000);
    expect(countColour(img, colorAt('magma', 1), 4)).toBeGreaterThan(20);
  });

  it('PNG of the scores of a multi-head result, focused on head 1', () => {
    const m = randomResult(12, { heads: 2, masks: [{ id: 'window', size: 2 }] });
    const png = exportHeatmap(m, { queries: null, keys: null }, { ...view, matrix: 'scores', colormap: 'cividis', head: 1 }, { format: 'png', scale: 2 });
    writeFileSync(join(OUT, 'window-scores-head1.png'), png);
    const img = decodePng(png);
    expect(img.width).toBe(1600);
    expect(countColour(img, colorAt('cividis', 0), 4)).toBeGreaterThan(20);
    const svg = exportHeatmap(m, { queries: null, keys: null }, { ...view, matrix: 'scores', head: 1 }, { format: 'svg' });
    expect(svg).toContain('Attention scores · head 1 (2 heads)');
  });

  it('a 2048-token head at 4×: every token gets its pixel — one hot pair is a sharp dot where the 8 × 8 cells of the old export diluted it 64-fold', () => {
    const T = 2048;
    const [hotRow, hotCol] = [1000, 37];
    const weights = new Float32Array(T * T);
    weights[hotRow * T + hotCol] = 1;
    const hot = { ...resultOf([[1]]), Tq: T, Tk: T, weights, scores: new Float32Array(T * T) };
    const v = { ...view, colormap: 'viridis' };
    const png = exportHeatmap(hot, { queries: null, keys: null }, v, { format: 'png', scale: 4 });
    writeFileSync(join(OUT, 'hot-pair-2048@4x.png'), png);
    const img = decodePng(png);
    // where the pair is: the grid box of the option the export drew, in device pixels
    const box = gridBox(heatmapExportOption(hot, { queries: null, keys: null }, v, { pixelRatio: 4 }))!;
    const x = Math.floor((box.left + ((hotCol + 0.5) / T) * box.width) * 4);
    const y = Math.floor((box.top + ((hotRow + 0.5) / T) * box.height) * 4);
    const top = colorAt('viridis', 1);
    const near = (px: number, py: number) => {
      const o = (py * img.width + px) * 4;
      return Math.abs(img.rgba[o] - top[0]) + Math.abs(img.rgba[o + 1] - top[1]) + Math.abs(img.rgba[o + 2] - top[2]) < 30;
    };
    let found = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (near(x + dx, y + dy)) found++;
    expect(found).toBeGreaterThan(0);
    // one token's worth of pixels in the grid (the colour bar's top is that colour too), not smoothed into a blur nor repeated
    let inGrid = 0;
    for (let py = Math.ceil(box.top * 4); py < Math.floor((box.top + box.height) * 4); py++)
      for (let px = Math.ceil(box.left * 4); px < Math.floor((box.left + box.width) * 4); px++) if (near(px, py)) inGrid++;
    expect(inGrid).toBeGreaterThan(0);
    expect(inGrid).toBeLessThanOrEqual(9);
  });

  it('a 2048-token SVG embeds its cells as one raster and stays small; the axes and colour bar stay text', () => {
    const long = randomResult(2048, { masks: [{ id: 'causal', offset: 0 }], d: 2 });
    const svg = exportHeatmap(long, { queries: null, keys: null }, view, { format: 'svg', caption });
    writeFileSync(join(OUT, 'causal-2048.svg'), svg);
    // 13 MB of 65,536 <rect>s before
    expect(svg.length).toBeLessThan(2 * 1024 * 1024);
    expect(svg.match(/<image /g)?.length).toBe(1);
    expect(svg).toContain('image-rendering="optimizeSpeed"');
    expect((svg.match(/<(rect|path) /g) ?? []).length).toBeLessThan(500);
    expect(svg).toContain('>0–7</text>');
    expect(svg).toContain(caption);
    const embedded = Buffer.from(/href="data:image\/png;base64,([^"]+)"/.exec(svg)![1], 'base64');
    // four image pixels per CSS pixel of the grid (as a 4× PNG): all 2048 tokens of each axis are there
    expect(pngSize(new Uint8Array(embedded))).toEqual({ width: 2048, height: 2048 });
  });

  it('says which matrix a result lacks', () => {
    expect(() => exportHeatmap({ ...r, scores: undefined }, tokens, { ...view, matrix: 'scores' }, { format: 'svg' })).toThrow(/no scores/);
  });
});

/**
 * What a heatmap shows, as opposed to where a window or a file places it: the axes' labels and
 * names, every drawn cell, the colour scale and its heading. A window and a file differ only in
 * fonts, margins, the caption and what the app's hook adds (tooltip, brush, pinned row).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function pictureOf(o: any) {
  const axis = (a: { data: string[]; name: string }) => ({ data: a.data, name: a.name });
  return {
    x: axis(o.xAxis),
    y: axis(o.yAxis),
    series: o.series.map((s: { name: string; data: unknown[] }) => ({ name: s.name, data: s.data.map((d) => (Array.isArray(d) ? d : (d as { value: unknown }).value)) })),
    scale: o.visualMap.map((v: Record<string, unknown>) => ({ min: v.min, max: v.max, text: v.text, inRange: v.inRange, pieces: v.pieces })),
    heading: o.graphic.find((g: { id?: string }) => g.id === 'colour-bar-heading').style.text,
  };
}

describe('one picture in the app and in an export', () => {
  const W = 800;
  const H = 700;

  it('the app’s heatmap of a run (its input, its builder and hook) is the picture the CLI export draws', () => {
    const reply = { result: r, tokens };
    const app = drawHeatmap(runHeatmapInput(reply, view)!, { width: W, height: H, theme: 'light', pinnedRow: 2, brush: true });
    const file = heatmapExportOption(r, tokens, view, { width: W, height: H, caption });
    expect(pictureOf(app)).toEqual(pictureOf(file));
    // the second "the" is numbered on both
    expect(pictureOf(app).y.data).toEqual(SENTENCE.map((t, i) => (t === 'the' && i > 0 ? 'the#2' : t)));
    // what the hook adds is the app's alone
    expect(tooltipAtCell(app, 0, 2)).toMatch(/→/);
    expect(app.brush).toBeDefined();
    expect(tooltipAtCell(file, 0, 2)).toBeNull();
    expect(file.brush).toBeUndefined();
  });

  it('a T = 2048 run that kept only its overview: the same token-range axes 0–7 … 2040–2047 in both', () => {
    const run = longRun();
    const v = { ...view, head: 0 };
    // the app draws this input as an image over the cells, the export as an image alone; the axes and the colour scale are the builder's
    // (drawHeatmap's hook as it is at a 1× screen, its canvas stood in for by a string: there is no DOM here)
    const app = heatmapOption(runHeatmapInput(run, v)!, { width: W, height: H, theme: 'light' }, { tooltip: true, brush: true, image: { pixelRatio: 1, paint: () => 'canvas' } });
    const file = heatmapExportOption(run.result, run.tokens, v, { width: W, height: H });
    // the file's cells are one embedded image (its own test above); axes, scale and heading are the app's
    const { series: _cells, ...picture } = pictureOf(file);
    expect(pictureOf(app)).toMatchObject(picture);
    expect(_cells.every((c: { data: unknown[] }) => c.data.length === 0)).toBe(true);
    expect(JSON.stringify(file.graphic)).toContain('data:image/png;base64,');
    expect(pictureOf(file).y.data.slice(0, 2)).toEqual(['0–7', '8–15']);
    expect(pictureOf(file).x.data.at(-1)).toBe('2040–2047');
    const svg = renderSvg(file, W, H);
    expect(svg).toContain('>0–7</text>');
    expect(svg).not.toContain('>0–1</text>');
  });
});
