import { describe, expect, it } from 'vitest';
import { tooltipAtCell } from '../../src-shared/charts/heatmap-interact';
import type { HeatmapView } from '../../src-shared/api/lab-api';
import { colorAt, colormap, DEFAULT_DIVERGING, parseColor } from '../../src-shared/charts/colormaps';
import {
  HEATMAP_CELL_BUDGET,
  SMALL_CELL_BUDGET,
  colourScale,
  headHeatmapInput,
  headsRange,
  heatmapOption,
  perRowMaximum,
  linearTicks,
  cellText,
  runsRange,
  smallMultipleOption,
  smallMultiplePixels,
  type HeatmapInput,
} from '../../src-shared/charts/heatmap';
import { formatValue, palette } from '../../src-shared/charts/theme';
import { SENTENCE, randomResult, sentenceResult, tokensOf } from './helpers';

// the option is a plain object; the tests read it as one
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opt = Record<string, any>;

const WEIGHTS: HeatmapView = { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 };
const SIZE = { width: 800, height: 700, theme: 'light' as const };
const tokens = { queries: SENTENCE, keys: SENTENCE };

function build(input: HeatmapInput, opts: Partial<typeof SIZE & { forExport: boolean }> = {}): Opt {
  return heatmapOption(input, { ...SIZE, ...opts }) as Opt;
}

const cellsOf = (o: Opt, s = 0): number[][] => o.series[s].data.map((d: Opt) => (Array.isArray(d) ? d : d.value));

/** The colour bar's tick labels, bottom (low) first. */
const tickTexts = (o: Opt): string[] =>
  o.graphic
    .find((g: Opt) => g.id === 'colour-bar-ticks')
    .children.filter((c: Opt) => c.type === 'text')
    .map((c: Opt) => c.style.text);

describe('heatmapOption: axes', () => {
  const r = sentenceResult();
  const o = build(headHeatmapInput(r, tokens, WEIGHTS));

  it('labels the columns with the key tokens and the rows with the query tokens, query 0 at the top', () => {
    // the second "the" is numbered: two positions, two names
    expect(o.xAxis.data).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
    expect(o.yAxis.data).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
    expect(o.yAxis.inverse).toBe(true);
    expect(o.xAxis.name).toBe('key');
    expect(o.yAxis.name).toBe('query');
    // all six labels fit: none is thinned out
    expect(o.xAxis.axisLabel.interval).toBe(0);
    expect(o.yAxis.axisLabel.interval).toBe(0);
  });

  it('numbers the rows and columns when there are no tokens', () => {
    const n = build(headHeatmapInput(r, { queries: null, keys: null }, WEIGHTS));
    expect(n.xAxis.data).toEqual(['0', '1', '2', '3', '4', '5']);
  });

  it('thins the labels out when there are too many to read (at least a line apart)', () => {
    const big = randomResult(200);
    const t = build(headHeatmapInput(big, { queries: tokensOf(200, 'q'), keys: tokensOf(200, 'k') }, WEIGHTS));
    expect(t.yAxis.data).toHaveLength(200);
    const rowPx = t.grid.height / 200;
    expect(t.yAxis.axisLabel.interval).toBeGreaterThan(0);
    expect((t.yAxis.axisLabel.interval + 1) * rowPx).toBeGreaterThanOrEqual(12);
    const colPx = t.grid.width / 200;
    expect(t.xAxis.axisLabel.rotate).toBe(90);
    expect((t.xAxis.axisLabel.interval + 1) * colPx).toBeGreaterThanOrEqual(12);
  });

  it('cuts long tokens short on the axis but keeps them whole in the data', () => {
    const long = 'an_extraordinarily_long_token';
    const t = build(headHeatmapInput(sentenceResult(), { queries: [long, ...SENTENCE.slice(1)], keys: SENTENCE }, WEIGHTS));
    expect(t.yAxis.data[0]).toBe(long);
    expect(t.yAxis.axisLabel.formatter(long)).toBe('an_extraordin…');
  });
});

describe('heatmapOption: colours', () => {
  const r = sentenceResult();
  const w = r.weights!.subarray(0, 36);
  const maxWeight = Math.max(...w);

  it('has a continuous colour bar over [0, max weight] in the chosen colour map', () => {
    const o = build(headHeatmapInput(r, tokens, WEIGHTS));
    const vm = o.visualMap[0];
    expect(vm.type).toBe('continuous');
    expect([vm.min, vm.max]).toEqual([0, maxWeight]);
    expect(vm.inRange.color).toEqual(colormap('viridis').stops);
    expect(vm.seriesIndex).toBe(0);
    // at least five round ticks beside the bar, from 0 up (before: two end labels, the top one the raw maximum)
    const ticks = tickTexts(o);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(ticks[0]).toBe('0');
    expect(ticks.map(Number).every((x) => x <= maxWeight)).toBe(true);
    expect(vm.text).toBeUndefined();
  });

  it('a colour bar of small weights still has ≥ 5 ticks, none a bare 0 for a value that is not 0', () => {
    const values = Float32Array.from([0, 1e-5, 2e-5, 3.3e-5]);
    const o = build({ values, rows: 2, cols: 2, rowLabels: null, colLabels: null, view: WEIGHTS });
    const ticks = tickTexts(o);
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    expect(ticks.slice(1).every((t) => t !== '0' && Number(t) > 0)).toBe(true);
  });

  it('colours each visible cell by its weight (one item per cell, column first)', () => {
    const o = build(headHeatmapInput(r, tokens, WEIGHTS));
    const cells = cellsOf(o);
    // causal: 1 + 2 + … + 6 visible pairs
    expect(cells).toHaveLength(21);
    for (const [j, i, v] of cells) expect(v).toBe(w[i * 6 + j]);
  });

  it('draws masked pairs as their own hatched grey series, not as zero weight, and lists "masked" in the legend', () => {
    const o = build(headHeatmapInput(r, tokens, WEIGHTS));
    expect(o.series).toHaveLength(2);
    const masked = o.series[1];
    expect(masked.name).toBe('masked');
    expect(cellsOf(o, 1).map(([j, i]) => [i, j])).toEqual(Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => [i, j]).filter(([a, b]) => b > a)).flat());
    expect(masked.itemStyle.decal).toBeTruthy();
    const grey = masked.itemStyle.color;
    expect(colormap('viridis').stops).not.toContain(grey);
    expect(o.visualMap[1]).toMatchObject({ type: 'piecewise', seriesIndex: 1, show: false });
    expect(o.visualMap[1].pieces[0].color).toBe(grey);
    const legend = o.graphic.find((g: Opt) => g.id === 'masked-legend');
    expect(legend.children.some((c: Opt) => c.style?.text === 'masked')).toBe(true);
  });

  it('has no masked series when nothing is masked', () => {
    const o = build(headHeatmapInput(sentenceResult([]), tokens, WEIGHTS));
    expect(o.series).toHaveLength(1);
    expect(o.graphic.find((g: Opt) => g.id === 'masked-legend')).toBeUndefined();
  });

  it('shows the scores over their finite range, the −∞ of masked pairs left out', () => {
    const s = r.scores!.subarray(0, 36);
    const finite = Array.from(s).filter(Number.isFinite);
    const o = build(headHeatmapInput(r, tokens, { ...WEIGHTS, matrix: 'scores' }));
    expect([o.visualMap[0].min, o.visualMap[0].max]).toEqual([Math.min(...finite), Math.max(...finite)]);
    expect(cellsOf(o)).toHaveLength(21);
    expect(cellsOf(o, 1)).toHaveLength(15);
  });

  it('log scale colours log10(weight) down to a floor 4 decades below the top, and says so on the colour bar', () => {
    const o = build(headHeatmapInput(r, tokens, { ...WEIGHTS, scale: 'log' }));
    const vm = o.visualMap[0];
    // the top weight is 1 (row 0 sees only itself): log10 1 = 0, floor 1e-4
    expect(maxWeight).toBe(1);
    expect([vm.min, vm.max]).toEqual([-4, 0]);
    for (const [j, i, v] of cellsOf(o)) expect(v).toBeCloseTo(Math.log10(w[i * 6 + j]), 6);
    expect(tickTexts(o)).toEqual(['1e-4', '0.001', '0.01', '0.1', '1']);
    const heading = o.graphic.find((g: Opt) => g.id === 'colour-bar-heading').style.text;
    expect(heading).toContain('log scale');
    // a zero weight sits at the floor
    const input = headHeatmapInput(r, tokens, { ...WEIGHTS, scale: 'log' });
    expect(colourScale(input).map(0)).toBe(-4);
    expect(colourScale(input).position(0.01)).toBeCloseTo(0.5, 6);
  });

  it('log scale of signed scores falls back to linear and the colour bar says why', () => {
    const signed = randomResult(6);
    expect(Math.min(...signed.scores!)).toBeLessThan(0);
    const input = headHeatmapInput(signed, tokens, { ...WEIGHTS, matrix: 'scores', scale: 'log' });
    const scale = colourScale(input);
    expect(scale.log).toBe(false);
    expect(scale.heading.join(' ')).toMatch(/linear \(log needs values ≥ 0\)/);
  });

  it('a diverging matrix (B − A) gets a symmetric range and a diverging map even if a sequential one is chosen', () => {
    const diff = Float32Array.from([0.2, -0.5, 0.1, 0]);
    const o = build({ values: diff, rows: 2, cols: 2, rowLabels: null, colLabels: null, view: WEIGHTS, diverging: true });
    expect([o.visualMap[0].min, o.visualMap[0].max]).toEqual([-0.5, 0.5]);
    expect(o.visualMap[0].inRange.color).toEqual(colormap(DEFAULT_DIVERGING).stops);
    const puor = build({ values: diff, rows: 2, cols: 2, rowLabels: null, colLabels: null, view: { ...WEIGHTS, colormap: 'PuOr' }, diverging: true });
    expect(puor.visualMap[0].inRange.color).toEqual(colormap('PuOr').stops);
  });

  it('an empty matrix is refused with a message, not drawn with NaN sizes', () => {
    expect(() => build({ values: new Float32Array(0), rows: 0, cols: 4, rowLabels: null, colLabels: null, view: WEIGHTS })).toThrow(/0×4 matrix has no cells/);
  });

  it('a given range wins, and values outside it are clamped to its ends (never uncoloured)', () => {
    const o = build({ ...headHeatmapInput(r, tokens, WEIGHTS), range: [0, 0.5] });
    expect([o.visualMap[0].min, o.visualMap[0].max]).toEqual([0, 0.5]);
    expect(Math.max(...cellsOf(o).map((c) => c[2]))).toBe(0.5);
  });
});

describe('heatmapOption: tooltip and caption', () => {
  const r = sentenceResult();

  it('the app\'s hook reads "query (index) → key (index): weight 0.123 (score 1.45)"', () => {
    const hover = (input: HeatmapInput) => heatmapOption(input, SIZE, { tooltip: true }) as Opt;
    const o = hover(headHeatmapInput(r, tokens, WEIGHTS));
    const w = r.weights![1 * 6 + 0];
    const s = r.scores![1 * 6 + 0];
    expect(tooltipAtCell(o, 0, 1)).toBe(`cat (1) → the (0): weight ${formatValue(w)} (score ${formatValue(s)})`);
    expect(tooltipAtCell(o, 5, 0)).toBe('the (0) → mat (5): masked');
    const scores = hover(headHeatmapInput(r, tokens, { ...WEIGHTS, matrix: 'scores' }));
    expect(tooltipAtCell(scores, 0, 1)).toBe(`cat (1) → the (0): score ${formatValue(s)} (weight ${formatValue(w)})`);
    // without the hook (an export, or a chart that does not hover) there is no tooltip
    expect(tooltipAtCell(build(headHeatmapInput(r, tokens, WEIGHTS)), 0, 1)).toBeNull();
    // and with it, ECharts has no tooltip component of its own (the window shows the text)
    expect(o.tooltip).toBeUndefined();
  });

  it('an export has the caption under the plot, the export font, an opaque background, and no tooltip', () => {
    const caption = 'cosine τ=0.5 · causal · softmax · 1 head';
    const o = build(headHeatmapInput(r, tokens, WEIGHTS, { title: 'Attention weights', caption }), { forExport: true });
    expect(o.tooltip).toBeUndefined();
    expect(o.animation).toBe(false);
    expect(o.backgroundColor).toBe('#ffffff');
    expect(o.textStyle.fontFamily).toBe('DejaVu Sans');
    const titles = o.title.map((t: Opt) => t.text);
    expect(titles).toEqual(['Attention weights', caption]);
    const cap = o.title[1];
    expect(cap.top).toBeGreaterThan(o.grid.top + o.grid.height);
    // the app shows no caption (it has the configuration on screen)
    expect(build(headHeatmapInput(r, tokens, WEIGHTS, { caption })).title.map((t: Opt) => t.text)).not.toContain(caption);
  });

  it('keeps the plot, its labels and the colour bar inside the figure', () => {
    for (const [width, height] of [
      [800, 700],
      [420, 360],
      [1200, 500],
    ]) {
      const o = build(headHeatmapInput(r, tokens, WEIGHTS, { caption: 'a caption' }), { width, height, forExport: true });
      expect(o.grid.left).toBeGreaterThan(20);
      expect(o.grid.left + o.grid.width).toBeLessThan(o.visualMap[0].left);
      expect(o.visualMap[0].left + 14 + 30).toBeLessThanOrEqual(width);
      expect(o.grid.top + o.grid.height).toBeLessThan(height - 40);
      // cells stay close to square
      const cw = o.grid.width / 6;
      const ch = o.grid.height / 6;
      expect(Math.max(cw / ch, ch / cw)).toBeLessThanOrEqual(1.25 + 1e-9);
    }
  });
});

describe('heatmapOption: big matrices', () => {
  it(`pools a 1000×1000 matrix to at most ${HEATMAP_CELL_BUDGET}×${HEATMAP_CELL_BUDGET} items and labels index ranges`, () => {
    const T = 1000;
    const values = Float32Array.from({ length: T * T }, (_, k) => ((k * 2654435761) % 1000) / 1000);
    const o = build({ values, rows: T, cols: T, rowLabels: tokensOf(T), colLabels: tokensOf(T), view: WEIGHTS });
    const items = o.series.reduce((n: number, s: Opt) => n + s.data.length, 0);
    expect(items).toBeLessThanOrEqual(HEATMAP_CELL_BUDGET * HEATMAP_CELL_BUDGET);
    expect(o.xAxis.data.length).toBeLessThanOrEqual(HEATMAP_CELL_BUDGET);
    expect(o.yAxis.data[0]).toBe('0–3');
    expect(o.yAxis.name).toBe('queries (index ranges)');
    const heading = o.graphic.find((g: Opt) => g.id === 'colour-bar-heading').style.text;
    expect(heading).toContain('mean of 4×4 blocks');
  });

  it('a causal 600×600 result pools its masked triangle into masked blocks', () => {
    const r = randomResult(600, { masks: [{ id: 'causal', offset: 0 }], d: 2 });
    const o = build(headHeatmapInput(r, { queries: null, keys: null }, WEIGHTS));
    const items = o.series[0].data.length + o.series[1].data.length;
    expect(items).toBe(o.xAxis.data.length * o.yAxis.data.length);
    expect(items).toBeLessThanOrEqual(HEATMAP_CELL_BUDGET ** 2);
    expect(o.series[1].data.length).toBeGreaterThan(items / 3);
  });
});

describe('smallMultipleOption', () => {
  const r = randomResult(40, { heads: 3, masks: [{ id: 'causal', offset: 0 }] });
  const range = headsRange(r, 'weights');

  it('draws a thumbnail with no labels, no tooltip and no colour bar', () => {
    const o = smallMultipleOption({ ...headHeatmapInput(r, { queries: null, keys: null }, { ...WEIGHTS, head: 1 }), range }, { width: 120, height: 120, theme: 'dark' }) as Opt;
    expect(o.xAxis.show).toBe(false);
    expect(o.yAxis.show).toBe(false);
    expect(o.tooltip).toBeUndefined();
    expect(o.visualMap[0].show).toBe(false);
    expect(o.title).toBeUndefined();
  });

  it('Compare’s A and B share one range: the largest weight of either', () => {
    const a = randomResult(8, { heads: 2 });
    const b = randomResult(8, { c: 0.1 });
    const top = Math.max(...Array.from(a.weights!), ...Array.from(b.weights!));
    expect(runsRange([a, b], 'weights')).toEqual([0, top]);
    expect(runsRange([b, a], 'weights')).toEqual([0, top]);
  });

  it('uses one colour scale across heads', () => {
    const ranges = [0, 1, 2].map((h) => {
      const o = smallMultipleOption({ ...headHeatmapInput(r, { queries: null, keys: null }, { ...WEIGHTS, head: h }), range }, { width: 120, height: 120, theme: 'light' }) as Opt;
      return [o.visualMap[0].min, o.visualMap[0].max];
    });
    expect(ranges).toEqual([range, range, range]);
    expect(range).toEqual([0, Math.max(...r.weights!)]);
  });

  it(`pools to at most ${SMALL_CELL_BUDGET} cells a side (and heatmapOption with small: true is the same thumbnail)`, () => {
    const big = randomResult(300, { d: 2 });
    const input = headHeatmapInput(big, { queries: null, keys: null }, WEIGHTS);
    const o = smallMultipleOption(input, { width: 200, height: 200, theme: 'light' }) as Opt;
    expect(o.xAxis.data.length).toBeLessThanOrEqual(SMALL_CELL_BUDGET);
    expect(heatmapOption(input, { width: 200, height: 200, theme: 'light', small: true })).toEqual(o);
  });
});

describe('a thumbnail as pixels (the app’s canvas)', () => {
  const r = randomResult(300, { d: 2, masks: [{ id: 'causal', offset: 0 }] });
  const input = headHeatmapInput(r, { queries: null, keys: null }, WEIGHTS);

  it('one pixel per cell the thumbnail option draws, in the colour its visualMap gives that cell; masked cells in the masked colour', () => {
    const plain = smallMultipleOption(input, { width: 120, height: 100, theme: 'light' }) as Opt;
    const pixels = smallMultiplePixels(input, { width: 120, height: 100, theme: 'light' });
    const cols = plain.xAxis.data.length;
    expect([pixels.width, pixels.height]).toEqual([cols, plain.yAxis.data.length]);
    const vm = plain.visualMap[0];
    const cells = cellsOf(plain);
    expect(cells.length).toBeGreaterThan(1000);
    for (const [j, i, v] of cells.filter((_, k) => k % 97 === 0)) {
      const rgb = pixels.data.slice((i * cols + j) * 4, (i * cols + j) * 4 + 3);
      const t = (v - vm.min) / (vm.max - vm.min);
      expect(Array.from(rgb)).toEqual(Array.from(colorAt('viridis', Math.round(Math.min(1, Math.max(0, t)) * 255) / 255)));
    }
    const [mj, mi] = cellsOf(plain, 1)[0];
    expect(Array.from(pixels.data.slice((mi * cols + mj) * 4, (mi * cols + mj) * 4 + 3))).toEqual(Array.from(parseColor(palette('light').masked).slice(0, 3)));
  });
});

describe('the per-row maximum colour scale', () => {
  it('divides each row by its largest visible weight: every row spans [0, 1] and the colour bar says so', () => {
    // a causal row i has weights of about 1/(i + 1): on a linear scale the late rows are one dark colour
    const r = sentenceResult();
    const o = build(headHeatmapInput(r, tokens, { ...WEIGHTS, scale: 'rowmax' }));
    const vm = o.visualMap[0];
    expect([vm.min, vm.max]).toEqual([0, 1]);
    const cells = cellsOf(o);
    for (let i = 0; i < 6; i++) {
      const row = cells.filter(([, ii]) => ii === i).map(([, , v]) => v);
      expect(Math.max(...row)).toBeCloseTo(1, 6);
      const w = r.weights!.subarray(i * 6, i * 6 + 6);
      const top = Math.max(...w);
      for (const [j, ii, v] of cells) if (ii === i) expect(v).toBeCloseTo(w[j] / top, 6);
    }
    expect(o.graphic.find((g: Opt) => g.id === 'colour-bar-heading').style.text).toContain('weight ÷ row maximum');
    expect(perRowMaximum(Float32Array.from([0, 2, 4, -Infinity]), 2, 2)).toEqual(Float32Array.from([0, 1, 1, -Infinity]));
  });
});

describe('the number printed in a cell', () => {
  it('never a bare 0.00 for a small weight: two decimals, then two significant digits', () => {
    expect(cellText(0.4567)).toBe('0.46');
    expect(cellText(0.0043)).toBe('0.0043');
    expect(cellText(5.84e-4)).toBe('5.8e-4');
    expect(cellText(1e-5)).toBe('1e-5');
    expect(cellText(0)).toBe('0');
  });
});

describe('colour-bar ticks', () => {
  it('a diverging range has 0 exactly among its ticks (not a rounding residue)', () => {
    expect(linearTicks(-0.6, 0.6)).toContain(0);
    expect(linearTicks(-0.6, 0.6).every((t) => t === 0 || Math.abs(t) >= 0.1)).toBe(true);
    expect(linearTicks(0, 0.0734)).toEqual([0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]);
  });
});
