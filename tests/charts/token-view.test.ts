import { describe, expect, it } from 'vitest';
import type { HeatmapView } from '../../src-shared/api/lab-api';
import { formatValue } from '../../src-shared/charts/theme';
import {
  LINE_THRESHOLD,
  TOKEN_VIEW_MAX,
  TOKEN_VIEW_SERIES,
  clickedQuery,
  tokenViewFits,
  tokenViewInput,
  tokenViewOption,
  tokenViewShown,
  tokenViewToggle,
  visiblePairs,
  type TokenViewInput,
} from '../../src-shared/charts/token-view';
import { SENTENCE, randomResult, sentenceResult, tokensOf } from './helpers';

// the option is a plain object; the tests read it as one
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Opt = Record<string, any>;

const VIEW: HeatmapView = { matrix: 'weights', colormap: 'viridis', scale: 'linear', head: 0 };
const SIZE = { width: 360, height: 500, theme: 'light' as const };
const build = (input: TokenViewInput, pinned: number | null = null): Opt => tokenViewOption(input, SIZE, pinned) as Opt;
const linesOf = (o: Opt): Opt[] => o.series[TOKEN_VIEW_SERIES.lines].data;
/** the query and key of a line, from its end points (query i of Tq at y = (i + ½)/Tq, key j of Tk likewise) */
const endsOf = (l: Opt, Tq: number, Tk: number): [number, number] => [Math.round(l.coords[0][1] * Tq - 0.5), Math.round(l.coords[1][1] * Tk - 0.5)];

/** A hand-made 2 × 3 input: row 0 has a weight under 1 % of its row's largest, row 1 a masked pair. */
const HAND: TokenViewInput = {
  values: Float32Array.from([0.7, 0.295, 0.005, 0.5, 0.5, 0]),
  rows: 2,
  cols: 3,
  rowLabels: ['the', 'cat'],
  colLabels: ['the', 'cat', 'the'],
  blocked: Uint8Array.from([0, 0, 0, 0, 0, 1]),
};

describe('token view', () => {
  it('draws one line per unmasked pair at or above 1 % of its row’s largest weight, and no other', () => {
    const result = sentenceResult();
    const input = tokenViewInput({ result, tokens: { queries: SENTENCE, keys: SENTENCE } }, VIEW)!;
    const o = build(input);
    const lines = linesOf(o);
    let want = 0;
    for (let i = 0; i < result.Tq; i++) {
      const row = Array.from(result.weights!.subarray(i * result.Tk, (i + 1) * result.Tk));
      const max = Math.max(...row.filter((_, j) => result.scores![i * result.Tk + j] !== -Infinity));
      want += row.filter((w, j) => result.scores![i * result.Tk + j] !== -Infinity && w > 0 && w >= LINE_THRESHOLD * max).length;
    }
    expect(lines).toHaveLength(want);
    for (const l of lines) {
      const [i, j] = endsOf(l, result.Tq, result.Tk);
      expect(l.value).toBe(result.weights![i * result.Tk + j]);
    }
    // the two columns name every token, repeats numbered
    expect(o.series[TOKEN_VIEW_SERIES.queries].data.map((d: Opt) => d.name)).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
    expect(o.series[TOKEN_VIEW_SERIES.keys].data.map((d: Opt) => d.name)).toEqual(['the', 'cat', 'sat', 'on', 'the#2', 'mat']);
  });

  it('a weight under 1 % of its row’s largest and a masked pair get no line', () => {
    expect(visiblePairs(HAND)).toEqual([
      { i: 0, j: 0, w: expect.closeTo(0.7, 6) },
      { i: 0, j: 1, w: expect.closeTo(0.295, 6) },
      { i: 1, j: 0, w: 0.5 },
      { i: 1, j: 1, w: 0.5 },
    ]);
    // a masked pair with a weight (say, a pair masked after the fact) is still not drawn
    const masked = { ...HAND, values: Float32Array.from([0.7, 0.295, 0.005, 0.5, 0.3, 0.2]) };
    expect(visiblePairs(masked).some((p) => p.i === 1 && p.j === 2)).toBe(false);
    // a causal run: no line from a query to a later key
    const result = sentenceResult();
    const o = build(tokenViewInput({ result, tokens: { queries: SENTENCE, keys: SENTENCE } }, VIEW)!);
    for (const l of linesOf(o)) {
      const [i, j] = endsOf(l, 6, 6);
      expect(j).toBeLessThanOrEqual(i);
    }
  });

  it('line widths and opacities grow with the weight', () => {
    const result = randomResult(20);
    const o = build(tokenViewInput({ result, tokens: { queries: null, keys: null } }, VIEW)!);
    const lines = [...linesOf(o)].sort((a, b) => a.value - b.value);
    expect(lines.length).toBeGreaterThan(20);
    for (let k = 1; k < lines.length; k++) {
      expect(lines[k].lineStyle.width).toBeGreaterThanOrEqual(lines[k - 1].lineStyle.width);
      expect(lines[k].lineStyle.opacity).toBeGreaterThanOrEqual(lines[k - 1].lineStyle.opacity);
    }
    expect(lines.at(-1)!.lineStyle.width).toBeGreaterThan(lines[0].lineStyle.width);
  });

  it('the pinned row’s lines are emphasised and the others faded', () => {
    const plain = linesOf(build(HAND));
    const pinned = linesOf(build(HAND, 1));
    const other = plain.map((l) => l.lineStyle.color)[0];
    pinned.forEach((l, k) => {
      const [i] = endsOf(l, 2, 3);
      if (i === 1) {
        expect(l.lineStyle.color).not.toBe(other);
        expect(l.lineStyle.opacity).toBe(plain[k].lineStyle.opacity);
        expect(l.z).toBeGreaterThan(plain[k].z);
      } else {
        expect(l.lineStyle.color).toBe(other);
        expect(l.lineStyle.opacity).toBeLessThan(plain[k].lineStyle.opacity / 5);
      }
    });
    // the pinned query's label is bold; a pinned row the input does not have changes nothing
    const q = build(HAND, 1).series[TOKEN_VIEW_SERIES.queries].data;
    expect(q.map((d: Opt) => d.label.fontWeight)).toEqual(['normal', 'bold']);
    expect(linesOf(build(HAND, 7))).toEqual(plain);
  });

  it('queries and keys may differ in number: each column spreads its own tokens', () => {
    const result = randomResult(9, { Tq: 4 });
    expect([result.Tq, result.Tk]).toEqual([4, 9]);
    const o = build(tokenViewInput({ result, tokens: { queries: tokensOf(4, 'q'), keys: tokensOf(9, 'k') } }, VIEW)!);
    expect(o.series[TOKEN_VIEW_SERIES.queries].data).toHaveLength(4);
    expect(o.series[TOKEN_VIEW_SERIES.keys].data).toHaveLength(9);
    expect(o.series[TOKEN_VIEW_SERIES.keys].data.map((d: Opt) => d.value[1])).toEqual(Array.from({ length: 9 }, (_, j) => (j + 0.5) / 9));
    const pairs = visiblePairs(tokenViewInput({ result, tokens: { queries: null, keys: null } }, VIEW)!);
    expect(linesOf(o)).toHaveLength(pairs.length);
    linesOf(o).forEach((l, k) => {
      expect(endsOf(l, 4, 9)).toEqual([pairs[k].i, pairs[k].j]);
      expect(l.value).toBe(result.weights![pairs[k].i * 9 + pairs[k].j]);
    });
  });

  it('the tooltip names both tokens with their indices and the weight to 3 significant digits', () => {
    const o = build(HAND);
    const tip = (seriesIndex: number, dataIndex: number) => o.tooltip.formatter({ seriesIndex, dataIndex });
    expect(tip(TOKEN_VIEW_SERIES.lines, 1)).toBe('q 0 ‘the’ → k 1 ‘cat’: 0.295');
    expect(tip(TOKEN_VIEW_SERIES.lines, 0)).toBe('q 0 ‘the’ → k 0 ‘the’: 0.7');
    // the second "the" among the keys is numbered
    const r = { ...HAND, values: Float32Array.from([0.123456, 0.0004567, 0.87654, 1, 0, 0]), blocked: null };
    const o2 = build(r);
    const lines = linesOf(o2);
    const k = lines.findIndex((l) => endsOf(l, 2, 3).join() === '0,2');
    expect(o2.tooltip.formatter({ seriesIndex: TOKEN_VIEW_SERIES.lines, dataIndex: k })).toBe('q 0 ‘the’ → k 2 ‘the#2’: 0.877');
    expect(o2.tooltip.formatter({ seriesIndex: TOKEN_VIEW_SERIES.lines, dataIndex: 0 })).toBe(`q 0 ‘the’ → k 0 ‘the’: ${formatValue(0.123456)}`);
    expect(formatValue(0.123456)).toBe('0.123');
    expect(tip(TOKEN_VIEW_SERIES.queries, 1)).toContain('q 1 ‘cat’');
    // an export has no tooltip
    expect((tokenViewOption(HAND, { ...SIZE, forExport: true }) as Opt).tooltip).toBeUndefined();
  });

  it(`is for runs of at most ${TOKEN_VIEW_MAX} tokens that kept their weights: T = 65 is refused`, () => {
    const fits = randomResult(TOKEN_VIEW_MAX);
    const long = randomResult(TOKEN_VIEW_MAX + 1);
    const tokens = { queries: null, keys: null };
    expect(tokenViewFits(fits)).toBe(true);
    expect(tokenViewShown(fits, true)).toBe(true);
    expect(tokenViewShown(fits, false)).toBe(false);
    expect(tokenViewFits(long)).toBe(false);
    expect(tokenViewShown(long, true)).toBe(false);
    expect(tokenViewInput({ result: long, tokens }, VIEW)).toBeNull();
    expect(tokenViewFits({ ...fits, weights: undefined })).toBe(false);
    expect(tokenViewFits(randomResult(TOKEN_VIEW_MAX + 1, { Tq: 3 }))).toBe(false);
    expect(tokenViewFits(null)).toBe(false);
    const longInput = { values: long.weights!, rows: 65, cols: 65, rowLabels: null, colLabels: null, blocked: null };
    expect(() => tokenViewOption(longInput, SIZE)).toThrow(/more than 64/);
    // the toolbar's toggle is greyed out for it, and says why
    expect(tokenViewToggle(fits).enabled).toBe(true);
    expect(tokenViewToggle(long)).toEqual({ enabled: false, title: expect.stringContaining('at most 64 tokens') });
    expect(tokenViewToggle(long).title).toContain('65 × 65');
    // 64 × 64 builds, every label named or thinned out
    const o = build(tokenViewInput({ result: fits, tokens }, VIEW)!);
    expect(o.series[TOKEN_VIEW_SERIES.queries].data).toHaveLength(64);
    expect(linesOf(o).length).toBe(visiblePairs(tokenViewInput({ result: fits, tokens }, VIEW)!).length);
  });

  it('a click on a query token names its row; a click on a key or a line names none', () => {
    expect(clickedQuery({ seriesIndex: TOKEN_VIEW_SERIES.queries, dataIndex: 3 })).toBe(3);
    expect(clickedQuery({ seriesIndex: TOKEN_VIEW_SERIES.keys, dataIndex: 3 })).toBeNull();
    expect(clickedQuery({ seriesIndex: TOKEN_VIEW_SERIES.lines, dataIndex: 3 })).toBeNull();
    expect(clickedQuery(null)).toBeNull();
  });

  it('follows the view’s head, clamped to the run’s heads', () => {
    const result = randomResult(6, { heads: 2 });
    const tokens = { queries: null, keys: null };
    const h1 = tokenViewInput({ result, tokens }, { ...VIEW, head: 1 })!;
    expect(Array.from(h1.values)).toEqual(Array.from(result.weights!.subarray(36, 72)));
    expect(tokenViewInput({ result, tokens }, { ...VIEW, head: 5, matrix: 'scores' })!.values).toEqual(h1.values);
  });
});

describe('signed weights (a recurrence’s A)', () => {
  it('negative weights get lines too, by |w| against the row’s largest |w|, dashed; the value keeps its sign', () => {
    const input = { values: Float32Array.of(0.5, -0.8, 0.004, -0.001), rows: 1, cols: 4, rowLabels: null, colLabels: null, blocked: null };
    expect(visiblePairs(input)).toEqual([
      { i: 0, j: 0, w: 0.5 },
      { i: 0, j: 1, w: expect.closeTo(-0.8, 6) },
    ]);
    const option = tokenViewOption(input, { width: 300, height: 200, theme: 'light' }) as { series: { data: { value: number; lineStyle: { type: string; width: number } }[] }[] };
    const lines = option.series[TOKEN_VIEW_SERIES.lines].data;
    expect(lines.map((l) => l.lineStyle.type)).toEqual(['solid', 'dashed']);
    // the strongest line is the negative one: widths follow |w|
    expect(lines[1].lineStyle.width).toBeGreaterThan(lines[0].lineStyle.width);
    expect(lines[1].value).toBeCloseTo(-0.8, 6);
  });
});
