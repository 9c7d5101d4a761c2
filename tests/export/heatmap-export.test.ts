import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colorAt, parseColor } from '../../src-shared/charts/colormaps';
import { headHeatmapInput, heatmapOption } from '../../src-shared/charts/heatmap';
import { palette } from '../../src-shared/charts/theme';
import { defaultExportHeight, exportHeatmap, heatmapExportOption } from '../../src-main/service/export/heatmap-export';
import { drawHeatmap } from '../../src-renderer/src/charts/draw';
import { runHeatmapInput } from '../../src-shared/charts/heatmap-input';
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
    expect(app.tooltip).toBeDefined();
    expect(app.brush).toBeDefined();
    expect(file.tooltip).toBeUndefined();
    expect(file.brush).toBeUndefined();
  });

  it('a T = 2048 run that kept only its overview: the same token-range axes 0–7 … 2040–2047 in both', () => {
    const run = longRun();
    const v = { ...view, head: 0 };
    // the app draws this input as an image over the cells; the cells and axes are the builder's
    const app = heatmapOption(runHeatmapInput(run, v)!, { width: W, height: H, theme: 'light' }, { tooltip: true, brush: true });
    const file = heatmapExportOption(run.result, run.tokens, v, { width: W, height: H });
    expect(pictureOf(app)).toEqual(pictureOf(file));
    expect(pictureOf(file).y.data.slice(0, 2)).toEqual(['0–7', '8–15']);
    expect(pictureOf(file).x.data.at(-1)).toBe('2040–2047');
    const svg = renderSvg(file, W, H);
    expect(svg).toContain('>0–7</text>');
    expect(svg).not.toContain('>0–1</text>');
  });
});
